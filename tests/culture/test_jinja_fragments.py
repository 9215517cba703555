"""The Jinja2 fragments (templates/jinja2/, culture/jinja2.py) behave as Django templates do
where it matters: user text is escaped, a missing value renders as nothing, links and dates
come out as Django's {% url %} and |date give them, and a Django page includes one with its
own context."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

import pytest
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone


def _jinja(source: str, **context) -> str:
    return engines["jinja2"].from_string(source).render(context)


def test_user_text_is_escaped_and_what_django_marked_safe_is_not():
    from django.utils.safestring import mark_safe

    html = _jinja(
        "{{ text }}|{{ safe }}", text='<script>alert("x")</script>', safe=mark_safe("<b>")
    )
    assert html == "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;|<b>"


def test_a_missing_value_renders_as_nothing_even_down_a_chain():
    assert _jinja("[{{ recipient.person.name }}]", recipient=None) == "[]"
    assert _jinja("[{{ nobody.name }}]") == "[]"


def test_links_and_dates_are_what_django_templates_give():
    assert _jinja("{{ url('decisions:memo', 7) }}") == reverse("decisions:memo", args=[7])
    assert _jinja("{{ url('feedback:index') }}") == reverse("feedback:index")
    moment = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    django = engines["django"].from_string('{{ moment|date:"j M Y, H:i T" }}')
    with timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")):  # the reader's zone
        shown = _jinja('{{ moment|date("j M Y, H:i T") }}', moment=moment)
        assert shown == django.render({"moment": moment}) == "2 Mar 2026, 08:30 JST"
    assert _jinja("{{ text|linebreaksbr }}", text="a <b>\nc") == "a &lt;b&gt;<br>c"


@pytest.mark.django_db
def test_a_django_page_includes_a_fragment_with_its_own_context(world, tmp_path):
    fragments = tmp_path / "jinja2"
    fragments.mkdir()
    (fragments / "fragment.html").write_text("{{ who.name }} {{ csrf_input }}")
    engine = engines["jinja2"]
    loader = engine.env.loader
    engine.env.loader = type(loader)([str(fragments)])
    try:
        request = RequestFactory().get("/")
        request.user = world.employee
        page = engines["django"].from_string(
            '{% load jinja %}<p>{% jinja_include "fragment.html" %}</p>'
        )
        html = page.render({"who": world.employee}, request=request)
    finally:
        engine.env.loader = loader
    assert html.startswith(f'<p>{world.employee.name} <input type="hidden"')
    assert 'name="csrfmiddlewaretoken"' in html and html.endswith("></p>")


def test_text_is_translated_in_the_readers_language():
    from django.utils import translation

    with translation.override("fr"):
        assert _jinja('{{ _("Yes") }}') == translation.gettext("Yes")
