"""The trade log: the pipeline that writes each signal before anything else sees it, the SQLite log
itself, its totals, queries, readers and exports. No Qt."""
