"""The trades window: the table model and its delegate, the window, and the dashboard."""
