"""Notifications: in-app, e-mail and Web Push, with preferences and background delivery."""
