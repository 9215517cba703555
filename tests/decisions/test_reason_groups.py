"""A memo's reasons are built in Python (decisions.views.memo.reason_group_html) for speed; this
is the template partial they replaced, and the two must give the same HTML for every kind of
score group: negative, zero and positive, changed ratings with their history, names and
reasons that need escaping, and a score with more reasons than are shown."""

from __future__ import annotations

import pytest
from django.template import engines
from django.urls import reverse

from decisions import services
from decisions.models import Memo
from decisions.views.memo import REASONS_SHOWN, _group, _groups, _reasons
from tests.conftest import make_person
from tests.decisions.conftest import make_memo, make_rating

pytestmark = pytest.mark.django_db

# The reason-group partial of templates/decisions/memo.html before it moved to Python,
# verbatim.
TEMPLATE = """<li class="reason-group" id="reasons-{{ g.score }}">
  <h4 class="score-label {% if g.score < 0 %}neg{% elif g.score > 0 %}pos{% else %}zero{% endif %}">{{ g.label }} <span class="muted small">({{ g.count }})</span></h4>
  <ul>
    {% for r in g.ratings %}
    <li><strong>{{ r.person.name }}</strong>: <span class="pre-line">{{ r.reason }}</span>{% if r.version > 1 %}
      <details class="rating-history"><summary class="small muted">changed {{ r.version|add:-1 }} time{{ r.version|add:-1|pluralize }}</summary>
        <ol class="small">{% for rev in r.history %}<li>{{ rev.at|date:"j M Y, H:i" }}: {{ rev.score|stringformat:"+d" }}, <span class="pre-line">{{ rev.reason }}</span></li>{% endfor %}</ol>
      </details>{% endif %}</li>
    {% endfor %}
  </ul>
  {% if g.hidden > 0 %}
  {% url 'decisions:memo' memo.pk as memo_url %}<a class="button secondary small" href="{{ memo_url }}?score={{ g.score }}#reasons-{{ g.score }}" hx-get="{{ memo_url }}?score={{ g.score }}" hx-target="#reasons-{{ g.score }}" hx-swap="outerHTML">Show all {{ g.count }} reasons at {{ g.label }}</a>
  {% endif %}
</li>"""


@pytest.fixture
def rated(world):
    memo = make_memo(captain=world.manager, teams=[world.team])
    odd = make_person(name="Zoë <O'Hara> & Co", team=world.team)
    make_rating(memo, odd, -7, 'Too early: <script>alert("x")</script> & "quotes"\nnext line')
    for i, score in enumerate([3, 3, 3, 3, 3, 0, 10, -10]):
        make_rating(memo, make_person(name=f"Rater {i}", team=world.team), score)
    twice = make_person(name="Changes Mind", team=world.team)
    services.do_rate(memo_id=memo.pk, by=twice, score=-2, reason="First thought, <i>honest</i>.")
    services.do_rate(memo_id=memo.pk, by=twice, score=5, reason="Second thought & more.")
    services.do_rate(memo_id=memo.pk, by=twice, score=4, reason="Third & final thought.")
    once = make_person(name="Once Changed", team=world.team)
    services.do_rate(memo_id=memo.pk, by=once, score=1, reason="A first reason here.")
    services.do_rate(memo_id=memo.pk, by=once, score=0, reason="A second reason here.")
    return memo


def _old(memo, group) -> str:
    return engines["django"].from_string(TEMPLATE).render({"memo": memo, "g": group})


def test_every_score_group_is_the_html_of_the_template_it_replaced(rated):
    shown = _reasons(rated)
    counts = {r.score: r.score_total for r in shown}
    groups = _groups(rated, shown, counts)
    assert [g["score"] for g in groups] == [-10, -7, 0, 3, 4, 10]
    assert any(g["hidden"] for g in groups)  # +3: five reasons, three shown
    assert any(r.version == 3 for g in groups for r in g["ratings"])
    assert any(r.version == 2 for g in groups for r in g["ratings"])
    for group in groups:
        assert group["html"] == _old(rated, group)
    assert "&lt;script&gt;" in groups[1]["html"] and "<script>" not in groups[1]["html"]
    # "Show all 5 reasons at +3", expanded: every reason of the score, nothing hidden.
    full = _reasons(rated, score=3)
    assert len(full) == 5 > REASONS_SHOWN
    expanded = _group(rated.get_absolute_url(), 3, 5, full)
    assert expanded["hidden"] == 0 and expanded["html"] == _old(rated, expanded)


def test_the_memo_page_and_the_expanded_score_show_the_built_groups(client, world, rated):
    client.force_login(world.employee)
    page = client.get(reverse("decisions:memo", args=[rated.pk])).content.decode()
    shown = _reasons(rated)
    for group in _groups(rated, shown, {r.score: r.score_total for r in shown}):
        assert group["html"] in page
    assert Memo.objects.get(pk=rated.pk).rating_count == 11
    response = client.get(
        reverse("decisions:memo", args=[rated.pk]) + "?score=3",
        headers={"HX-Request": "true", "HX-Target": "reasons-3"},
    )
    expanded = _group(rated.get_absolute_url(), 3, 5, _reasons(rated, score=3))
    assert response.content.decode() == "\n" + expanded["html"] + "\n"
