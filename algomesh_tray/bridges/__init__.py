"""Signals and engine alerts forwarded to chat and push services (one module per service), with
queued delivery, retries and the credentials in the keyring. No Qt."""
