"""A memo's body as the template's sections: which are still the template's prompts, whether
the proposal is written, and the body without its empty sections (what the page shows).

A section is a Markdown heading and the lines under it up to the next heading of the same
or a higher level. The template's prompts are the lines MEMO_TEMPLATE puts under each
heading; a section whose text is still its prompt says nothing, so a memo cannot be
published with one (a reader would rate a proposal that states none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from decisions.models import MEMO_TEMPLATE

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


# heading (normalised) -> its prompt, from the template.
PROMPTS: dict[str, str] = {_norm(s.heading): s.text for s in sections(MEMO_TEMPLATE)[1:]}
PROMPT_LINES = {_norm(p) for p in PROMPTS.values()}
PROPOSAL = _norm("The proposal")


def prompts_left(body: str) -> list[str]:
    """The headings of the sections still holding a template prompt (a prompt line left
    anywhere in a section counts: the author wrote around it but never answered it)."""
    left = []
    for s in sections(body):
        if any(_norm(line) in PROMPT_LINES for line in s.lines if line.strip()):
            left.append(s.heading or "the opening")
    return left


def proposal_written(body: str) -> bool:
    """The memo has a "The proposal" section with text of its own (not the prompt)."""
    return any(
        s.level and _norm(s.heading) == PROPOSAL and s.text and _norm(s.text) not in PROMPT_LINES
        for s in sections(body)
    )


def publish_problems(body: str) -> list[str]:
    """Why this body cannot be published yet, in words for the captain (empty: it can)."""
    problems = []
    left = prompts_left(body)
    if left:
        names = ", ".join(f"“{h}”" for h in left)
        problems.append(
            f"Still the template's prompt: {names}. Answer it, or remove the section if it "
            "does not apply."
        )
    if not proposal_written(body):
        problems.append(
            "Write the proposal under a “## The proposal” heading: what exactly do you want "
            "to do? People rate the proposal, so it must say what it is."
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
