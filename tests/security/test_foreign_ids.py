"""Foreign ids in form fields and in htmx query strings, for every form of every app.

Every form a persona reaches (found by the crawl in forms.py, so a new form is covered without
touching this file) is submitted, one id-carrying field at a time, with the id of an object
that persona may not see: another person's notification, a feedback request between two other
people, another team's keeper test, a deactivated colleague, an id that does not exist. Each
attempt must be refused (4xx or a form error), write nothing to or about the foreign object,
and echo none of its data back. The same form with its own ids then goes through (so the
refusals are not an accident of the test's data). The htmx search forms and every page link
with an id in its query string get the same foreign ids."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.apps import apps

from tests.security import walk
from tests.security.forms import (
    TYPED_TEXT,
    Form,
    form_data,
    fresh,
    has_form_error,
    submit,
)
from tests.security.helpers import body, client

MISSING = 999_999  # an id that exists nowhere

# Hidden fields and query parameters that carry an object's id: (view, name) -> model label.
# A form or link with a numeric value in a field not listed here (and not a select whose
# options name the objects) fails test_every_id_field_is_attacked: list it, with its model.
HIDDEN_IDS = {
    ("notifications_read", "id"): "culture.notification",
    ("feedback:write", "request"): "feedback.feedbackrequest",
    ("feedback:step", "person"): "culture.person",
    ("decisions:index", "captain"): "culture.person",
    ("feedback:complete_action", "circle"): "feedback.circle",
}
QUERY_IDS = {
    "focus": "culture.person",
    "captain": "culture.person",
    "to": "culture.person",
    "request": "feedback.feedbackrequest",
    "cycle": "keeper.keepercycle",
    "person": "culture.person",
}
# Numbers that are not objects: a page number, a context page's version (the optimistic
# check), the keeper answer form's compact-view flag and its save-notes button, the memo feed's
# "waiting for my rating" filter (waiting=1).
NOT_IDS = {"page", "version", "compact", "save-notes", "waiting"}
# Ids inside field names: keeper answers are posted as t<test id>-answer / -notes.
NAME_IDS = {"keeper:answer": (re.compile(r"^t(\d+)-"), "keeper.keepertest")}
# Forms that accept the submission but drop the foreign id, and why that is right.
DROPPED = {
    ("feedback:write", "request"): "the request is only a link to what was asked; a foreign "
    "one is dropped and the feedback goes to the recipient the writer chose",
}
# Views that answer a refused htmx request 200 with the reason as a message (htmx swaps
# only 2xx answers), and why.
REFUSED_AS_MESSAGE = {
    "feedback:step": "a refused step re-renders the room with the reason (409 without htmx)",
}


def _foreign(world) -> dict[str, list[tuple]]:
    """model label -> [(object or None for a missing id, id, secret text it must not echo)]."""
    from culture.models import Notification
    from feedback.models import FeedbackRequest
    from keeper.models import KeeperNote, KeeperTest

    note = Notification.objects.create(
        key="foreign-note", recipient=world.outsider, kind="t", title="FOREIGN-NOTE-TITLE"
    )
    asked = FeedbackRequest.objects.create(
        requester=world.outsider, asked=world.other_manager, question="FOREIGN-QUESTION"
    )
    test = KeeperTest.objects.filter(report=world.outsider).first()
    assert test is not None, "the matrix setups open a keeper cycle"
    KeeperNote.objects.create(test=test, author_id=test.manager_id, text="FOREIGN-KEEPER-NOTE")
    from tests.feedback.factories import make_circle

    circle = make_circle(
        facilitator=world.other_manager, people=[world.outsider], title="FOREIGN-CIRCLE-TITLE"
    )
    return {
        "feedback.circle": [(circle, circle.pk, circle.title)],
        # A former colleague's name is no secret (it stays on their memos and feedback).
        "culture.person": [(world.inactive, world.inactive.pk, None)],
        "culture.notification": [(note, note.pk, note.title)],
        "feedback.feedbackrequest": [(asked, asked.pk, asked.question)],
        "keeper.keepertest": [(test, test.pk, "FOREIGN-KEEPER-NOTE")],
        "keeper.keepercycle": [],
        "culture.team": [],
    }


def _may_see(world, persona, obj) -> bool:
    """The objects above that a persona may see after all (people admins see everyone)."""
    person = world.persona(persona)
    if obj is None:
        return False
    label = obj._meta.label_lower
    if label == "culture.person":
        return person.is_people_admin
    if label == "keeper.keepertest":
        return person.is_people_admin or persona in ("other_manager",)
    if label == "feedback.circle":  # its facilitator and its one participant
        return persona in ("other_manager", "outsider")
    return False


def _snapshot(obj) -> tuple:
    """The object's row and how many rows refer to it."""
    model = type(obj)
    row = tuple(model._default_manager.filter(pk=obj.pk).values_list().first() or ())
    refs = []
    for rel in model._meta.related_objects:
        if rel.many_to_many:
            through = rel.through if hasattr(rel, "through") else rel.field.remote_field.through
            fk = next(f for f in through._meta.fields if f.related_model is model)
            refs.append(through.objects.filter(**{fk.name: obj.pk}).count())
        else:
            refs.append(rel.related_model._base_manager.filter(**{rel.field.name: obj.pk}).count())
    return row, tuple(refs)


def _option_model(field) -> str | None:
    """The model whose objects a select's options are (value = id, label = the object)."""
    numeric = [(v, label) for v, label, _ in field.options if v.isdigit()]
    if not numeric:
        return None
    value, label = numeric[0]
    for model in apps.get_models():
        if model._meta.app_label not in ("culture", "keeper", "feedback", "decisions", "pay"):
            continue
        obj = model._default_manager.filter(pk=int(value)).first()
        if obj is not None and str(obj).strip() == label.strip():
            return model._meta.label_lower
    return None


def id_fields(form: Form) -> tuple[list[tuple[str, str, str]], list[str]]:
    """[(kind, field name, model label)] and the numeric fields nobody classified."""
    out, unknown = [], []
    view = form.url_name
    seen = set()
    for f in form.fields:
        if not f.name or f.name in seen or f.name == "csrfmiddlewaretoken":
            continue
        if view in NAME_IDS and NAME_IDS[view][0].match(f.name):
            seen.add(f.name)
            if ("name", view) not in {(k, n) for k, n, _ in out}:
                out.append(("name", view, NAME_IDS[view][1]))
            continue
        if f.tag == "select":
            model = _option_model(f)
            if model:
                seen.add(f.name)
                out.append(("select", f.name, model))
        elif (view, f.name) in HIDDEN_IDS:
            seen.add(f.name)
            out.append(("hidden", f.name, HIDDEN_IDS[(view, f.name)]))
        elif f.type in ("hidden", "checkbox") and f.value.isdigit() and f.name not in NOT_IDS:
            unknown.append(f"{view} {f.name}={f.value}")
        elif f.tag == "button" and f.value.isdigit() and f.name not in NOT_IDS:
            unknown.append(f"{view} button {f.name}={f.value}")
    return out, unknown


def _plain(form: Form) -> dict[str, str]:
    return {f.name: TYPED_TEXT.get(f.name, "Plain words") for f in form.text_fields()}


def _attack(world, persona, found, kind, name, foreign_id, obj) -> tuple:
    """Submit `found` with `foreign_id` in the field: (response, form) or (None, None)."""
    c, form = fresh(world, persona, found)
    if form is None:
        return None, None
    data = form_data(form, _plain(form))
    if kind == "name":  # rename t<own id>-... to t<foreign id>-...
        pattern = NAME_IDS[name][0]
        data = {
            (pattern.sub(f"t{foreign_id}-", k) if pattern.match(k) else k): v
            for k, v in data.items()
        }
    elif isinstance(data.get(name), list):
        data[name] = [*data[name], str(foreign_id)]
    else:
        data[name] = str(foreign_id)
    return submit(c, form, data), form


@pytest.mark.xdist_group(walk.GROUP)
def test_foreign_ids_in_every_form_field_are_refused_and_never_echoed(walked):
    world, site = walked.world, walked.site  # the shared walk (walk.py), rolled back after
    foreign = _foreign(world)
    problems, attacked, unknown, controls = [], set(), [], 0
    for key, (persona, found) in sorted(site.forms.items()):
        if found.method != "post" or found.url_name in ("logout", "password_change"):
            continue
        fields, unclassified = id_fields(found)
        unknown += unclassified
        for kind, name, label in fields:
            candidates = [
                (obj, pk, secret)
                for obj, pk, secret in foreign[label]
                if not _may_see(world, persona, obj)
            ] + [(None, MISSING, None)]
            for obj, pk, secret in candidates:
                before = _snapshot(obj) if obj is not None else None
                response, form = _attack(world, persona, found, kind, name, pk, obj)
                if response is None:
                    continue
                where = f"{found.url_name} as {persona}: {name}={pk} ({label})"
                attacked.add((found.url_name, name))
                text = body(response)
                if response.status_code >= 500:
                    problems.append(f"{where}: {response.status_code}")
                refused = response.status_code >= 400 or has_form_error(text)
                if found.url_name in REFUSED_AS_MESSAGE and form.htmx:
                    refused = refused or 'class="message info"' in text
                if not refused and (found.url_name, name) not in DROPPED:
                    problems.append(f"{where}: accepted ({response.status_code})")
                if secret and secret in text:
                    problems.append(f"{where}: the response shows {secret!r}")
                if obj is not None and _snapshot(obj) != before:
                    problems.append(f"{where}: the foreign object was written")
        if fields:  # control: the same form, untouched, goes through
            c, form = fresh(world, persona, found)
            if form is not None:
                response = submit(c, form, form_data(form, _plain(form)))
                text = body(response)
                if response.status_code >= 400 or has_form_error(text):
                    errors = re.findall(r'class="errorlist[^>]*>(.*?)</ul>', text, re.S)
                    problems.append(
                        f"control {found.url_name} as {persona}: {response.status_code} {errors}"
                    )
                controls += 1
    assert not unknown, "id fields with no model (add them to HIDDEN_IDS):\n" + "\n".join(unknown)
    assert not problems, "\n".join(problems)
    expected = {
        ("notifications_read", "id"),
        ("feedback:write", "recipient"),
        ("feedback:write", "request"),
        ("feedback:ask", "people"),
        ("feedback:circle_new", "people"),
        ("feedback:circle_new", "facilitator"),
        ("feedback:step", "person"),
        ("keeper:answer", "keeper:answer"),
    }
    assert expected <= attacked, sorted(expected - attacked)
    assert controls >= 8


@pytest.mark.xdist_group(walk.GROUP)
def test_foreign_ids_in_htmx_query_strings_are_refused_or_ignored_and_never_echoed(walked):
    """Every page link and htmx search form with an id in its query string, as an htmx GET
    with the ids of objects the persona may not see: never a 500, never their data."""
    world, site = walked.world, walked.site
    foreign = _foreign(world)
    urls: set[tuple[str, str]] = set()
    for persona, pages in site.pages.items():
        for url in pages:
            if "?" in url:
                urls.add((persona, url))
    for _key, (persona, found) in site.forms.items():
        if found.method == "get":
            query = {n: v for n, v in form_data(found, {}).items() if isinstance(v, str)}
            urls.add((persona, found.action + "?" + urlencode(query)))
    problems, attacked, unknown = [], set(), []
    for persona, url in sorted(urls):
        parts = urlsplit(url)
        params = parse_qsl(parts.query, keep_blank_values=True)
        c = client(world, persona)
        for i, (name, value) in enumerate(params):
            if name in NOT_IDS or (not value.isdigit() and name not in QUERY_IDS):
                continue
            if name not in QUERY_IDS:
                unknown.append(f"{parts.path}?{name}={value}")
                continue
            label = QUERY_IDS[name]
            candidates = [
                (obj, pk, secret)
                for obj, pk, secret in foreign[label]
                if not _may_see(world, persona, obj)
            ] + [(None, MISSING, None), (None, "abc", None)]
            for obj, pk, secret in candidates:
                query = params[:i] + [(name, str(pk))] + params[i + 1 :]
                target = f"{parts.path}?{urlencode(query)}"
                response = c.get(target, headers={"HX-Request": "true"})
                attacked.add(name)
                text = body(response)
                where = f"GET {target} as {persona}"
                if response.status_code not in (200, 302, 400, 403, 404):
                    problems.append(f"{where}: {response.status_code}")
                if secret and secret in text:
                    problems.append(f"{where}: the response shows {secret!r}")
    assert not unknown, "query ids with no model (add them to QUERY_IDS):\n" + "\n".join(unknown)
    assert not problems, "\n".join(sorted(set(problems)))
    assert {"focus", "captain", "cycle"} <= attacked, attacked
