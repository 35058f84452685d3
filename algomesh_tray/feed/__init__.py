"""The engine's feed: the protocol (frames in, typed signals out), the listener, where the feed stands,
when an outage is worth an alert, and the simulated engine. No Qt."""
