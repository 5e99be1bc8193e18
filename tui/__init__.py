"""linkdesk's terminal app and command line; importing this package imports nothing heavy."""
