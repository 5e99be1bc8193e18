"""linkdesk: the firm's service, its command line and the pieces the terminal UI shares."""
