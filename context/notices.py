"""The "what changed" notice: a saved context page tells the people it concerns (a team's
page: the team's active members; the company's page: every active person), once each,
with the editor's one-line summary and a link to the change. Never the editor themself.

Run as deferred work (culture.jobs) after the save commits: the company's page concerns
everyone, too many messages to render inside the editor's request. Safe to run again: each
message's key names the revision and the recipient (culture.notifications, exactly once).
"""

from __future__ import annotations

from context.models import ContextRevision
from culture import jobs
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
    author = revision.author.name if revision.author else "A former colleague"
    title = (
        f"The company context changed: {revision.summary}"
        if page.is_company
        else f"{page.team.name} context changed: {revision.summary}"  # type: ignore[union-attr]
    )
    url = page.revision_url(revision.number)
    body = f"{author} updated {page.title}'s context page: “{revision.summary}”."
    people = list(recipients(revision))
    sent = 0
    for start in range(0, len(people), BATCH):
        sent += notify_many(
            [
                Message(
                    recipient=person,
                    key=f"context:{revision.pk}:{person.pk}",
                    kind=KIND,
                    title=title,
                    body=body,
                    url=url,
                )
                for person in people[start : start + BATCH]
            ]
        )
    return sent
