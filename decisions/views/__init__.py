"""Decision memos: feed, memo page, writing, rating, the captain's steps and the bet ledger.

Thin views: parse -> access gate -> form -> one service call -> render. One module per part:
feed, memo (the page, rating, comments, revisits), writing (and the captain's steps), ledger.
"""

from culture.http import AuthedHttpRequest


def hx_target(request: AuthedHttpRequest) -> str:
    """The id the htmx request will swap, or "" for a plain request."""
    return (request.htmx.target or "") if request.htmx else ""
