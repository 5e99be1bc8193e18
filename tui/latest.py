"""Only the answer to the newest question is drawn, whatever order the answers come back in.

A worker cancelled by a newer one (`exclusive=True`) may still finish: a query already handed to
the database thread completes, and its rows would then be drawn over the newer answer, for good.
Each question takes a ticket; an answer is drawn only while its ticket is still the newest.
"""

from __future__ import annotations


class Latest:
    """Tickets for the questions asked of a slow source (a search, a page of the list)."""

    def __init__(self) -> None:
        self._newest = 0

    def ask(self) -> int:
        """A new question: every answer to an earlier one is stale from now on."""
        self._newest += 1
        return self._newest

    def is_current(self, ticket: int) -> bool:
        return ticket == self._newest
