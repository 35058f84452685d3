"""The Settings window: connection, notifications, rules and bridges, and the store that saves them."""
