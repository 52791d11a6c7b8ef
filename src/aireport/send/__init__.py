"""Delivering the e-mail edition to subscribers: the list, the ledger, SMTP, unsubscribing."""
