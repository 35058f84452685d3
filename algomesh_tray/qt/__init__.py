"""The Qt face of the app: the application object that wires the rooms together, the event loop, the
tray, the popups' Qt side, and the windows."""
