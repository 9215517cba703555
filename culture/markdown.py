"""Markdown rendered, then sanitised. Nothing user-written reaches a page unescaped."""

from __future__ import annotations

import functools

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> SafeString:
    """Render Markdown to HTML with only a small safe subset of tags and attributes.

    Raw HTML in the source is escaped by markdown-it (html=False); nh3 then removes any
    attribute or URL scheme outside the allow-list (no event handlers, no javascript:,
    data: or vbscript: links, no hx-* attributes) and adds rel="noopener noreferrer".
    """
    return mark_safe(_render(text or ""))  # noqa: S308 - sanitised by nh3 in _render


@functools.lru_cache(maxsize=256)
def _render(text: str) -> str:
    """The HTML of one text. It depends on the text alone, so the memos people are reading
    now are rendered once per process, not on every view (a memo of a few pages costs
    milliseconds to parse and sanitise)."""
    return nh3.clean(
        _md.render(text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
