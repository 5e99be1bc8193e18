"""Every use of Textual's private API in linkdesk, fenced in one package (pinned: Textual 8.2.8).

Each module here names the private Textual attributes it reads or overrides, what it changes,
why (the figure it buys), and the upstream change that would let it go. Nothing outside this
package touches a Textual name that starts with `_`; tests/test_textual_patches.py checks that
every name used here still exists with the expected signature, so that a Textual upgrade fails
in one place, with one message, instead of somewhere in a screen.
"""
