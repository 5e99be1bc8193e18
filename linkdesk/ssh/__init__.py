"""The SSH door of `linkdesk serve`: the desk for a preparer's key, in a process per session."""
