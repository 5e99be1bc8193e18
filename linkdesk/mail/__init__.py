"""Composing invitation emails and sending them: aiosmtplib to a relay, or a local capture."""

# What the built-in capture answers for each message: recorded with the message, it tells a
# message kept here (no relay set, nothing delivered) from one a relay took.
CAPTURED_ANSWER = "Message captured"  # after the code, 250
