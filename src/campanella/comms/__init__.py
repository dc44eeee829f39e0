"""Communications (issue 14): one package per area — `notices` (circolari, avvisi) today;
messages, meetings, materials and notifications join as sibling packages."""
