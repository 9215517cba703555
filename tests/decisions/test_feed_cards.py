"""The feed's memo cards are built in Python (decisions.views.feed.feed_cards) for speed; this is
the template they replaced, and the two must give the same HTML for every kind of card."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template import engines
from django.utils import timezone

from decisions.models import Memo
from decisions.views.feed import FEED_CARD_FIELDS, feed_cards
from tests.conftest import make_person, make_team
from tests.decisions.conftest import make_memo, make_rating

pytestmark = pytest.mark.django_db
S = Memo.State

# The loop of templates/decisions/index.html before the cards moved to Python, verbatim.
TEMPLATE = """<ul class="memo-list">
  {% for memo in page.object_list %}
    <li class="card memo-item">
      <h2 class="memo-title"><a href="{% url 'decisions:memo' memo.pk %}">{{ memo.title }}</a></h2>
      <p class="memo-meta small">
        <span class="pill {% if memo.state == 'open' %}info{% elif memo.state == 'outcome' %}{% if memo.outcome == 'went_well' %}good{% else %}warn{% endif %}{% endif %}">{{ memo.get_state_display }}</span>
        {% if memo.confidential %}<span class="pill bad">Confidential</span>{% endif %}
        Captain <a href="?captain={{ memo.captain_id }}">{{ memo.captain.name }}</a>
        {% for t in memo.teams.all %}· <a href="?team={{ t.slug }}">{{ t.name }}</a>{% endfor %}
        {% if memo.state == 'open' and memo.decide_by %}· decides by {{ memo.decide_by|date:"j M Y" }}{% endif %}
      </p>
      <p class="small muted">{{ memo.rating_count }} rating{{ memo.rating_count|pluralize }}{% if memo.spread_shown and memo.rating_count %}, ranging from {{ memo.rating_low|stringformat:"+d" }} to {{ memo.rating_high|stringformat:"+d" }}{% elif memo.rating_count %}, spread hidden until the window closes{% endif %}</p>
    </li>
  {% endfor %}
  </ul>"""
NEW = """<ul class="memo-list">
  {% for memo in page.object_list %}
    {{ memo.card }}
  {% endfor %}
  </ul>"""


def _memos(world):
    today = timezone.localdate()
    odd = make_team(name='R&D <"core">', slug="r-d-core")
    captain = make_person(name="Zoë <O'Hara> & Co", team=world.team)
    memos = [
        make_memo(captain=captain, title='<b>"Q&A"</b> & more', teams=[world.team, odd]),
        make_memo(captain=world.manager, confidential=True, readers=[world.employee]),
        make_memo(captain=world.manager, hide_spread=True, decide_by=today + timedelta(days=3)),
        make_memo(captain=world.manager, state=S.TESTING, teams=[odd]),
        make_memo(captain=world.manager, state=S.DECIDED),
        make_memo(captain=world.manager, state=S.OUTCOME, outcome=Memo.Outcome.WENT_WELL),
        make_memo(captain=world.manager, state=S.OUTCOME, outcome="did_not"),
        make_memo(captain=world.manager, title="No date"),
    ]
    Memo.objects.filter(pk=memos[-1].pk).update(decide_by=None)
    for memo, n in zip(memos, [0, 1, 5, 2, 1, 3, 0, 2], strict=True):
        for score in [4, -2, 9, 0, -10][:n]:  # a lone rating of +4: "ranging from +4 to +4"
            make_rating(memo, make_person(team=world.team), score)
    return today


def test_the_python_cards_are_the_html_of_the_template_they_replaced(world):
    today = _memos(world)
    rows = list(
        Memo.objects.select_related("captain")
        .prefetch_related("teams")
        .only(*FEED_CARD_FIELDS)
        .order_by("id")
    )
    assert len(rows) == 8
    for memo in rows:
        memo.spread_shown = not memo.spread_hidden_on(today)
    engine = engines["django"]
    page = {"object_list": rows}
    old = engine.from_string(TEMPLATE).render({"page": page})
    feed_cards(rows)
    new = engine.from_string(NEW).render({"page": page})
    assert new == old
    assert "&lt;b&gt;&quot;Q&amp;A&quot;&lt;/b&gt;" in new and "<b>" not in new
    assert "spread hidden until the window closes" in new
    assert "ranging from +4 to +4" in new and "ranging from -2 to +9" in new
