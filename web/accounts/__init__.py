"""Accounts: signing in, sessions, API tokens, and the admin's audit view."""
