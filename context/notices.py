"""The "what changed" notice: a saved context page tells the people it concerns (a team's
page: the team's active members; the company's page: every active person), once each,
with the editor's one-line summary and a link to the change. Never the editor themself.

Run as deferred work (culture.jobs) after the save commits: the company's page concerns
everyone, too many messages to render inside the editor's request. Safe to run again: each
message's key names the revision and the recipient (culture.notifications, exactly once).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from context.models import ContextPage, ContextRevision
from culture import jobs
from culture.i18n import as_reader, language_for
from culture.models import Person
from culture.notifications import Message, notify_many

KIND = "context.changed"
BATCH = 500


def recipients(revision: ContextRevision):
    people = Person.objects.active().exclude(pk=revision.author_id)
    if not revision.page.is_company:
        people = people.filter(team_id=revision.page.team_id)
    return people.order_by("pk")


@jobs.job
def send_revision_notices(revision_id: int) -> int:
    """Notify everyone the revision concerns; returns how many notices this call created."""
    revision = (
        ContextRevision.objects.select_related("page__team", "author")
        .only(
            "number",
            "summary",
            "author__name",
            "page__is_company",
            "page__team__name",
            "page__team__slug",
            "page__team_id",
        )
        .filter(pk=revision_id)
        .first()
    )
    if revision is None:
        return 0
    page = revision.page
    url = page.revision_url(revision.number)
    people = list(recipients(revision))
    # Each notice is in its reader's language: the words once per language, not per person.
    words: dict[str, tuple[str, str]] = {}

    def words_for(person: Person) -> tuple[str, str]:
        language = language_for(person)
        if language not in words:
            with as_reader(person):
                words[language] = _words(revision, page)
        return words[language]

    sent = 0
    for start in range(0, len(people), BATCH):
        sent += notify_many(
            [
                Message(
                    recipient=person,
                    key=f"context:{revision.pk}:{person.pk}",
                    kind=KIND,
                    title=words_for(person)[0],
                    body=words_for(person)[1],
                    url=url,
                )
                for person in people[start : start + BATCH]
            ]
        )
    return sent


def _words(revision: ContextRevision, page: ContextPage) -> tuple[str, str]:
    """The notice's title and body, in the active language."""
    author = revision.author.name if revision.author else _("A former colleague")
    if page.is_company:
        title = _("The company context changed: %(summary)s") % {"summary": revision.summary}
        body = _("%(author)s updated The company's context page: “%(summary)s”.") % {
            "author": author,
            "summary": revision.summary,
        }
    else:
        team = page.team.name  # type: ignore[union-attr]
        title = _("%(team)s context changed: %(summary)s") % {
            "team": team,
            "summary": revision.summary,
        }
        body = _("%(author)s updated %(team)s's context page: “%(summary)s”.") % {
            "author": author,
            "team": team,
            "summary": revision.summary,
        }
    return title, body
