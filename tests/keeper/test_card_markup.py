"""The manager page draws each card's answer controls from plain values (not through the form
renderer, which cost most of the page's time at 10+ reports). They must stay exactly what
Django's own widgets render for the same form: saved answers, a locked card, and a post that
comes back with errors (422)."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string

from keeper.models import KeeperTest
from keeper.views import Card
from tests.keeper.helpers import keeper_test_of, open_cycle_now, write_note

pytestmark = pytest.mark.django_db


def _controls(html: str) -> list[str]:
    return re.findall(
        r"<input type=\"(?:radio|checkbox)\"[^>]*>|<textarea.*?</textarea>", html, re.S
    )


def _django_widgets(form) -> list[str]:
    return [
        *(radio.tag() for radio in form["answer"]),
        str(form["notes"]),
        str(form["shared_with_employee"]),
    ]


def _card_html(card, rf, user) -> str:
    request = rf.get("/keeper/")
    request.user = user
    return render_to_string("keeper/_card.html", {"card": card}, request=request)


@pytest.mark.parametrize("writable", [True, False])
def test_saved_answers_are_drawn_as_djangos_widgets_would(world, rf, writable):
    test = keeper_test_of(open_cycle_now(), world.employee)
    test.answer, test.shared_with_employee = "not_sure", True
    test.save()
    write_note(test, text='Owns <the> "rota" & more')
    test = KeeperTest.objects.with_notes_readable_by(world.manager).get(pk=test.pk)
    card = Card(test, test.cycle, writable=writable, viewer=world.manager)
    html = _card_html(card, rf, world.manager)
    assert _controls(html) == _django_widgets(card.form)
    assert ("disabled" in _controls(html)[0]) is not writable
    checked = [c for c in _controls(html) if 'type="radio"' in c and " checked" in c]
    assert len(checked) == 1 and 'value="not_sure"' in checked[0]
    assert "Owns &lt;the&gt; &quot;rota&quot; &amp; more</textarea>" in html


def test_an_unanswered_card_has_nothing_checked(world, rf):
    test = keeper_test_of(open_cycle_now(), world.employee)
    card = Card(test, test.cycle, writable=True)
    html = _card_html(card, rf, world.manager)
    assert _controls(html) == _django_widgets(card.form)
    assert "checked" not in html


def test_a_post_with_errors_shows_the_posted_values_marked_invalid(world, rf):
    test = keeper_test_of(open_cycle_now(), world.employee)
    prefix = f"t{test.pk}"
    data = {
        f"{prefix}-answer": "maybe",
        f"{prefix}-notes": "x" * 5001,
        f"{prefix}-shared_with_employee": "on",
    }
    card = Card(test, test.cycle, writable=True, data=data)
    assert not card.form.is_valid()
    html = _card_html(card, rf, world.manager)
    controls = _controls(html)
    assert controls == _django_widgets(card.form)
    assert all('aria-invalid="true"' in c for c in controls[:4])
    assert controls[-1].endswith("checked>")
    assert "Select a valid choice" in html
