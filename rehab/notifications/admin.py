"""Notifications are each user's own; the admin does not list them."""
