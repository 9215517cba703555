"""Injection through the forms: every POST form a persona can reach (found by crawling the
matrix's pages, so a new form is covered without touching this file) is submitted with the
XSS corpus in every free-text field, as the persona who was shown it, with its CSRF token.
Each submission is stored verbatim or refused with a form error (never a 500); then every page
each persona was shown is fetched again and parsed: every payload is inert.

test_injection.py writes the corpus straight into the database; this suite proves the same
through the way people actually write."""

from __future__ import annotations

import functools
import operator
import re
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import models
from django.db.models import Q

from tests.security import walk
from tests.security.forms import (
    TYPED_TEXT,
    Form,
    form_data,
    fresh,
    has_form_error,
    submit,
)
from tests.security.helpers import CASES, allowed_persona, body, client
from tests.security.test_injection import inert_problems
from tests.security.xss_corpus import PAYLOADS

# Forms with free text that this suite does not fill, and why.
NOT_FILLED = {
    "pay:market": "a CSV upload: its text arrives in the file (importers: test_properties.py)",
    "pay:salaries": "a CSV upload (test_uploads_and_exports.py, test_properties.py)",
    "people:import": "a CSV upload (test_uploads_and_exports.py, test_properties.py)",
}
# POST cases of the matrix that no page shows as a <form>, and why.
NOT_A_FORM = {
    "decisions:preview": "an hx-post button on the memo editor; every payload is previewed below",
    "keeper:ask#post": "the same form as keeper:ask",
    "decisions:reviews#open": "the same form as decisions:reviews",
    "decisions:step#post": "the same form as decisions:step",
    "pay:propose#post": "the same form as pay:propose",
    "pay:record#post": "the same form as pay:record",
    "pay:proposal#record": "the same form as pay:proposal",
    "pay:evidence_add#htmx": "the same form as pay:evidence_add",
    "account_logout": "allauth's name for the logout URL: the same form as logout",
    "saml_acs": "posted by the identity provider's page, not ours (tests/sso/test_saml.py)",
    "sso:start": "the login page's single sign-on button, there once a provider is set up; "
    "it takes no text (tests/sso/test_oidc.py, test_saml.py)",
    "sso:test": "the single sign-on page's test button, there once a provider is set up; it "
    "takes no text (tests/sso/test_oidc.py)",
    "sso:idp_logout": "offered on the login page after logging out of an SSO login; no text "
    "(tests/sso/test_oidc.py, test_saml.py)",
    "webhooks:endpoint_enable": "shown in place of the turn-off button once an endpoint is "
    "off; a button with no text (tests/webhooks/test_pages.py)",
    "chat:teams_on": "shown in place of the turn-off button once a team's Teams channel is "
    "off; a button with no text (tests/chat/test_teams_pages.py)",
}
TEXTAREA_PAYLOADS = 3  # a textarea takes several payloads, one per paragraph


def _nonce(response) -> str | None:
    m = re.search(r"'nonce-([^']+)'", response.headers.get("Content-Security-Policy", ""))
    return m.group(1) if m else None


@functools.cache
def _text_columns() -> list[tuple[type[models.Model], list[str]]]:
    """Every product model with its text columns (char and text fields)."""
    apps_ = (
        "culture",
        "keeper",
        "feedback",
        "decisions",
        "pay",
        "sso",
        "api",
        "webhooks",
        "chat",
        "freedom",
        "context",
    )
    found = []
    for model in apps.get_models():
        if model._meta.app_label in apps_:
            names = [
                f.name
                for f in model._meta.concrete_fields
                if isinstance(f, (models.CharField, models.TextField))
            ]
            if names:
                found.append((model, names))
    return found


def _stored(value: str) -> bool:
    """Is `value` in some text column of the product's tables, as typed? (One query a table,
    its columns OR-ed: the suite asks this for every payload it submits.)"""
    value = value.strip()
    for model, names in _text_columns():
        if model._default_manager.filter(
            functools.reduce(operator.or_, (Q(**{f"{n}__contains": value}) for n in names))
        ).exists():
            return True
    return False


@dataclass
class Written:
    """What went through the forms: submissions, what was stored, what each refused."""

    forms: list[str] = field(default_factory=list)
    stored: set[int] = field(default_factory=set)  # payload indexes found in the database
    sent: set[int] = field(default_factory=set)
    refused: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _fill(form: Form, take) -> tuple[dict[str, str], dict[str, list[int]]]:
    """Payloads (indexes drawn with `take(count)`) for every free-text field."""
    text, used = {}, {}
    for f in form.text_fields():
        if f.name in TYPED_TEXT:  # hostile, but not counted: these refuse any prose
            text[f.name] = PAYLOADS[len(text) % len(PAYLOADS)][: f.maxlength or None]
            continue
        indexes = take(1 if f.maxlength else TEXTAREA_PAYLOADS)
        text[f.name] = "\n\n".join(PAYLOADS[i] for i in indexes)[: f.maxlength or None]
        used[f.name] = indexes
    return text, used


def _submit_with_corpus(world, persona, found, take, out: Written) -> bool:
    """One form, hostile everywhere; if refused because of an amount or a code, again with
    valid ones. Returns whether it stored what it was sent."""
    name = found.url_name
    where = f"{name} as {persona} (from {found.page})"
    c, form = fresh(world, persona, found)
    if form is None:
        out.problems.append(f"{where}: the form is gone when its page is loaded again")
        return False
    text, used = _fill(form, take)
    typed = {f.name for f in form.text_fields() if f.name in TYPED_TEXT}
    attempts = [text]
    if typed:
        attempts.append({**text, **{k: TYPED_TEXT[k] for k in typed}})
    for i, attempt in enumerate(attempts):
        if i:
            c, form = fresh(world, persona, found)
            if form is None:
                return False
        response = submit(c, form, form_data(form, attempt, len(out.forms)))
        content, status = body(response), response.status_code
        if status >= 500:
            out.problems.append(f"{where}: {status}")
            continue
        if "html" in response.get("Content-Type", "") and content:
            out.problems += [
                f"{where} response: {p}" for p in inert_problems(content, _nonce(response))
            ]
        if status >= 400 or has_form_error(content):
            if not has_form_error(content) and status not in (403, 404):
                out.problems.append(f"{where}: refused ({status}) without saying why")
            errors = re.findall(r'class="errorlist[^>]*>(.*?)</ul>', content, re.S)
            out.refused.append(f"{name} ({status}): {' '.join(errors)[:200]}")
            continue
        for fname, indexes in used.items():
            out.sent.update(indexes)
            chunks = attempt[fname].split("\n\n")
            stored = [i for i, chunk in zip(indexes, chunks, strict=False) if _stored(chunk)]
            if len(stored) < len(indexes):
                out.problems.append(f"{where}: {fname} accepted ({status}) but not stored")
            out.stored.update(stored)
        return True
    return False


def write_corpus_through_forms(world, site) -> Written:
    """Submit every reachable POST form with the corpus in its free-text fields, cycling
    through the payloads; then again through the forms that stored, with the payloads that
    only met forms refusing them, until every payload is stored somewhere."""
    out = Written()
    cursor = iter(range(10**6))

    def cycle(count):
        return [next(cursor) % len(PAYLOADS) for _ in range(count)]

    accepting = []
    for key, (persona, found) in sorted(site.forms.items()):
        if found.method != "post" or key[1] in NOT_FILLED or not found.text_fields():
            continue
        out.forms.append(key[1])
        if _submit_with_corpus(world, persona, found, cycle, out):
            accepting.append((persona, found))
    for _ in range(3):
        for persona, found in accepting:
            # Recounted after each form: a payload is missing until a form has stored it (a
            # form that refuses this submission uses none up).
            missing = [i for i in range(len(PAYLOADS)) if i not in out.stored]
            if not missing:
                return out

            def take(count, missing=missing):
                return [missing[j % len(missing)] for j in range(count)]

            _submit_with_corpus(world, persona, found, take, out)
    return out


def test_every_matrix_post_case_is_a_form_someone_is_shown():
    """The crawl must meet every state-changing URL of the matrix, or this list says why not.
    (Checked for real inside the walk below; this pins the exceptions to existing cases.)"""
    posts = {n for n, s in CASES.items() if s.method == "post" and allowed_persona(s)}
    assert set(NOT_A_FORM) <= set(CASES)
    assert posts - set(NOT_A_FORM)


@pytest.mark.xdist_group(walk.GROUP)
def test_the_corpus_goes_through_every_form_and_every_page_shows_it_inert(walked_with_corpus):
    # The shared walk (walk.py) with the corpus written by write_corpus_through_forms below;
    # this test's transaction is rolled back after it.
    world, site = walked_with_corpus.world, walked_with_corpus.site
    posts = {
        n.split("#")[0]
        for n, s in CASES.items()
        if s.method == "post" and allowed_persona(s) and n not in NOT_A_FORM
    }
    reached = {key[1] for key in site.forms if key[0] == "post"}
    assert posts <= reached, f"POST cases no page shows a form for: {sorted(posts - reached)}"

    written = walked_with_corpus.written
    assert not written.problems, "\n".join(written.problems)
    assert len(written.forms) >= 25, written.forms
    missing = set(range(len(PAYLOADS))) - written.stored
    assert not missing, f"payloads no form stored: {[PAYLOADS[i] for i in sorted(missing)]}"

    # Every page every persona was shown, again, now holding what the forms stored.
    problems, showing = [], 0
    for persona, pages in site.pages.items():
        c = client(world, persona)
        for url in pages:
            response = c.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            text = body(response)
            showing += "xss" in text
            problems += [f"{url} as {persona}: {p}" for p in inert_problems(text, _nonce(response))]
    assert showing >= 50, f"only {showing} pages show what the forms stored"
    assert not problems, "\n".join(sorted(set(problems))[:30])


@pytest.mark.django_db
def test_every_payload_is_inert_in_the_markdown_preview(world):
    c = client(world, "employee")
    problems = []
    for payload in PAYLOADS:
        response = c.post("/decisions/preview/", {"body": payload}, headers={"HX-Request": "true"})
        assert response.status_code == 200, payload
        problems += [f"{payload!r}: {p}" for p in inert_problems(body(response), _nonce(response))]
    assert not problems, "\n".join(problems)
