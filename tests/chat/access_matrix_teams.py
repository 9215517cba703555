"""Authorization matrix cases for chat (teams)."""

CASES: dict = {}
