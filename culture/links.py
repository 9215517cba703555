"""URLs for many rows at once: reversed once per script prefix, not once per link.

A list of 25 rows with two links each ran 50 {% url %} tags, each a full reverse() through
the resolver; `url_maker("people:profile")` gives a function from an id to the same URL.
"""

from __future__ import annotations

import functools

from django.urls import get_script_prefix, reverse

_MARK = 1234567890


@functools.cache
def _parts(name: str, script_prefix: str) -> tuple[str, str]:
    head, found, tail = reverse(name, args=[_MARK]).partition(str(_MARK))
    assert found, f"{name} takes one integer argument"
    return head, tail


def url_maker(name: str):
    """For a URL name with a single integer argument: pk -> reverse(name, args=[pk])."""
    head, tail = _parts(name, get_script_prefix())
    return lambda pk: f"{head}{int(pk)}{tail}"
