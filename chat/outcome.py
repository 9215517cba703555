"""What a channel's sender says about one message (chat.delivery settles the row by it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    # "sent"; "retry" (try again later: a 429, a 5xx, a timeout); "fallback" (this channel
    # cannot take it: the Slack token is gone, the person is not in Slack; its email goes);
    # "failed" (will never go: a Teams URL that answers 4xx).
    status: str
    error: str = ""
    # For a retry: seconds Slack or Teams asked us to wait (Retry-After), else backoff.
    retry_after: float | None = None
    # For a retry: the whole channel is limited or down (a 429 is per workspace; a refused
    # connection is everyone's), so no other message of the channel is tried before then.
    pause_channel: bool = False
    # For a fallback: the Slack token itself is gone (uninstalled, revoked).
    revoked: bool = False

    @classmethod
    def sent(cls) -> Outcome:
        return cls("sent")

    @classmethod
    def retry(cls, error: str, *, after: float | None = None, pause: bool = False) -> Outcome:
        return cls("retry", error=error, retry_after=after, pause_channel=pause)

    @classmethod
    def fallback(cls, error: str, *, revoked: bool = False) -> Outcome:
        return cls("fallback", error=error, revoked=revoked)

    @classmethod
    def failed(cls, error: str) -> Outcome:
        return cls("failed", error=error)
