"""A memo's body as the template's sections: which are still the template's prompts, whether
the proposal is written, and the body without its empty sections (what the page shows).

A section is a Markdown heading and the lines under it up to the next heading of the same
or a higher level. The template's prompts are the lines MEMO_TEMPLATE puts under each
heading; a section whose text is still its prompt says nothing, so a memo cannot be
published with one (a reader would rate a proposal that states none). A writer starts from
the template in their own language, so a prompt is recognised in any of the product's
languages (settings.LANGUAGES), and in English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, pgettext

from decisions.models import PROPOSAL_HEADING, TEMPLATE_SECTIONS

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass
class Section:
    level: int  # 0: the text before the first heading
    heading: str
    lines: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip()


def sections(body: str) -> list[Section]:
    """The body cut at its headings (a '#' inside a fenced code block is not a heading)."""
    out = [Section(0, "", [])]
    fenced = False
    for line in (body or "").replace("\r\n", "\n").split("\n"):
        if FENCE.match(line):
            fenced = not fenced
        match = None if fenced else HEADING.match(line)
        if match:
            out.append(Section(len(match.group(1)), match.group(2), [line]))
        else:
            out[-1].lines.append(line)
    for s in out[1:]:
        s.lines = s.lines[1:]  # the heading line itself is not the section's text
    return out


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


@lru_cache(maxsize=1)
def _template_words() -> tuple[frozenset[str], frozenset[str]]:
    """The template's prompt lines and its proposal heading (normalised) in English and in
    every language of settings.LANGUAGES: a writer may have started from the template in
    any of them, and a prompt left in their language is still a prompt."""
    prompts = {_norm(p) for _, p in TEMPLATE_SECTIONS}
    proposal = {_norm(PROPOSAL_HEADING)}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            prompts |= {_norm(gettext(p)) for _, p in TEMPLATE_SECTIONS}
            proposal.add(_norm(gettext(PROPOSAL_HEADING)))
    return frozenset(prompts), frozenset(proposal)


def prompts_left(body: str) -> list[str]:
    """The headings of the sections still holding a template prompt (a prompt line left
    anywhere in a section counts: the author wrote around it but never answered it)."""
    prompt_lines = _template_words()[0]
    left = []
    for s in sections(body):
        if any(_norm(line) in prompt_lines for line in s.lines if line.strip()):
            left.append(s.heading or gettext("the opening"))
    return left


def proposal_written(body: str) -> bool:
    """The memo has a "The proposal" section (in any language the template was shown in)
    with text of its own (not the prompt)."""
    prompt_lines, proposal = _template_words()
    return any(
        s.level and _norm(s.heading) in proposal and s.text and _norm(s.text) not in prompt_lines
        for s in sections(body)
    )


def publish_problems(body: str) -> list[str]:
    """Why this body cannot be published yet, in words for the captain (empty: it can)."""
    problems = []
    left = prompts_left(body)
    if left:
        names = pgettext("list separator", ", ").join(
            gettext("“%(heading)s”") % {"heading": h} for h in left
        )
        problems.append(
            gettext(
                "Still the template's prompt: %(names)s. Answer it, or remove the section if "
                "it does not apply."
            )
            % {"names": names}
        )
    if not proposal_written(body):
        problems.append(
            gettext(
                "Write the proposal under a “## %(heading)s” heading: what exactly do you "
                "want to do? People rate the proposal, so it must say what it is."
            )
            % {"heading": gettext(PROPOSAL_HEADING)}
        )
    return problems


def without_empty_sections(body: str) -> str:
    """The body without the headings that have nothing under them (nor under any of their
    sub-headings): an empty section is not content and is not shown."""
    parts = sections(body)
    keep = [True] * len(parts)
    for i, s in enumerate(parts):
        if not s.level or s.text:
            continue
        # Empty itself: kept only if a deeper section right under it has text.
        j = i + 1
        has_child_text = False
        while j < len(parts) and parts[j].level > s.level:
            if parts[j].text:
                has_child_text = True
                break
            j += 1
        keep[i] = has_child_text
    out: list[str] = []
    for s, k in zip(parts, keep, strict=True):
        if not k:
            continue
        if s.level:
            out.append("#" * s.level + " " + s.heading)
        out.extend(s.lines)
    return "\n".join(out).strip() + "\n"
