"""Composing invitation emails and sending them: aiosmtplib to a relay, or a local capture."""
