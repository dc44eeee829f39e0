"""Notices (circolari e avvisi): audience, recipients, read receipts, confirmations, consents."""
