"""Small helpers every room uses: back-off, guarded callbacks, days, background tasks, and how numbers
and times read. Imports nothing else of the app, and no Qt."""
