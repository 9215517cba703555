"""Writes for freedom and responsibility: time away, the nudge to managers, the guides.

Nothing here asks anyone's approval. Noting time away is the person's own act (not audited:
it is not confidential, and their team sees it); the guides and the company's setting are
admin writes, audited."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from culture import audit, clock
from culture.errors import Conflict, InvalidInput
from culture.i18n import as_reader
from culture.models import Person
from culture.notifications import notify
from freedom.models import FreedomSettings, Guide, TimeAway

NUDGE_KIND = "freedom.time_off_nudge"


# --- Time away -------------------------------------------------------------------------------


def check_time_away(*, person: Person, starts_on: date, ends_on: date, entry_id=None) -> None:
    if ends_on < starts_on:
        raise InvalidInput(_("The last day away comes on or after the first."))
    overlapping = TimeAway.objects.filter(person=person).overlapping(starts_on, ends_on)
    if entry_id is not None:
        overlapping = overlapping.exclude(pk=entry_id)
    clash = overlapping.order_by("starts_on").first()
    if clash is not None:
        raise InvalidInput(
            _("You already noted time away from %(start)s to %(end)s: change that one instead.")
            % {
                "start": date_format(clash.starts_on, "DATE_FORMAT"),
                "end": date_format(clash.ends_on, "DATE_FORMAT"),
            }
        )


def do_note_time_away(*, person: Person, starts_on: date, ends_on: date, note: str) -> TimeAway:
    with transaction.atomic():
        # One writer per person at a time, so two tabs cannot note overlapping entries.
        Person.objects.select_for_update().filter(pk=person.pk).first()
        check_time_away(person=person, starts_on=starts_on, ends_on=ends_on)
        return TimeAway.objects.create(
            person=person, starts_on=starts_on, ends_on=ends_on, note=note.strip()
        )


def do_change_time_away(*, entry: TimeAway, starts_on: date, ends_on: date, note: str) -> None:
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=entry.person_id).first()
        check_time_away(
            person=entry.person, starts_on=starts_on, ends_on=ends_on, entry_id=entry.pk
        )
        changed = TimeAway.objects.filter(pk=entry.pk).update(
            starts_on=starts_on, ends_on=ends_on, note=note.strip()
        )
        if not changed:
            raise Conflict(_("That time away was removed in the meantime."))


def do_remove_time_away(*, entry: TimeAway) -> None:
    TimeAway.objects.filter(pk=entry.pk).delete()


# --- The note to managers --------------------------------------------------------------------


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier (that month's last day when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def months_between(start: date, end: date) -> int:
    """Whole months from `start` to `end`."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(months, 0)


@dataclass
class Overdue:
    person: Person
    since: date  # the end of their last time away, or when they started
    months: int


def people_not_away(*, today: date, months: int) -> list[Overdue]:
    """Active people with an active manager who have not been away for `months` months,
    counted from the end of their last time away (or from when they started), and with no
    time away planned. One query."""
    cutoff = months_before(today, months)
    people = (
        Person.objects.active()
        .filter(manager__is_active=True)
        .annotate(
            last_away=Max("time_away__ends_on", filter=Q(time_away__starts_on__lte=today)),
            planned=Exists(TimeAway.objects.filter(person_id=OuterRef("pk"), starts_on__gt=today)),
        )
        .filter(planned=False)
        .filter(
            Q(last_away__lte=cutoff)
            | Q(last_away__isnull=True, start_date__lte=cutoff)
            | Q(last_away__isnull=True, start_date__isnull=True, date_joined__date__lte=cutoff)
        )
        .select_related("manager")
        .order_by("manager_id", "name", "id")
    )
    found = []
    for person in people:
        since = person.last_away or person.start_date or person.date_joined.date()
        found.append(Overdue(person, since, months_between(since, today)))
    return found


def sweep_time_off_nudges() -> dict[str, int]:
    """Daily and idempotent: a manager hears once per person per period of `months` without
    time away (the key names the manager, the person, when the period started and which
    period it is; time away starts a new count)."""
    today = clock.today()
    months = FreedomSettings.load().nudge_after_months
    sent = 0
    for overdue in people_not_away(today=today, months=months):
        person, manager = overdue.person, overdue.person.manager
        assert manager is not None  # the query's filter
        period = overdue.months // months
        with as_reader(manager):
            # One English form, as before; other languages may need more (nudges start at 1).
            title = ngettext(
                "%(name)s has not taken time off in %(count)s months",
                "%(name)s has not taken time off in %(count)s months",
                overdue.months,
            ) % {"name": person.name, "count": overdue.months}
            body = _(
                "Nobody has to ask; a word from you that time off is expected helps. "
                "Taking real time off yourself, and saying so, helps most of all."
            )
        if notify(
            manager,
            key=(f"freedom:time-off:{manager.pk}:{person.pk}:{overdue.since.isoformat()}:{period}"),
            kind=NUDGE_KIND,
            morning=True,  # a daily reminder: in the reader's morning
            title=title,
            body=body,
            url=reverse("away:index"),
            template="emails/freedom_time_off_nudge",
            context={"person": person, "months": overdue.months, "since": overdue.since},
        ):
            sent += 1
    return {"nudged": sent}


# --- Settings and guides (people admins) -----------------------------------------------------


def do_update_settings(*, by: Person, form) -> FreedomSettings:
    with transaction.atomic():
        settings = form.save(commit=False)
        settings.updated_by = by
        settings.save()
        audit.record(
            by,
            "freedom.settings_changed",
            obj=settings,
            detail={"nudge_after_months": settings.nudge_after_months},
        )
    return settings


def do_save_guide(*, by: Person, form) -> Guide:
    """Create or edit a guide; a new guide counts as reviewed today."""
    with transaction.atomic():
        guide = form.save(commit=False)
        created = guide.pk is None
        if created and guide.last_reviewed_on is None:
            guide.last_reviewed_on = clock.today()
        guide.updated_by = by
        guide.save()
        audit.record(
            by,
            "freedom.guide_created" if created else "freedom.guide_changed",
            obj=guide,
            detail={"slug": guide.slug, "title": guide.title, "fields": form.changed_data},
        )
    return guide


def do_delete_guide(*, by: Person, guide: Guide) -> None:
    with transaction.atomic():
        audit.record(
            by,
            "freedom.guide_deleted",
            obj=guide,
            detail={"slug": guide.slug, "title": guide.title},
        )
        Guide.objects.filter(pk=guide.pk).delete()


def do_mark_reviewed(*, by: Person, guide: Guide) -> date:
    """The owner (or a people admin) read it again and it still holds: once a day."""
    today = clock.today()
    with transaction.atomic():
        changed = (
            Guide.objects.filter(pk=guide.pk)
            .exclude(last_reviewed_on=today)
            .update(last_reviewed_on=today)
        )
        if not changed:
            raise Conflict(_("It is already marked reviewed today."))
        audit.record(by, "freedom.guide_reviewed", obj=guide, detail={"slug": guide.slug})
    guide.last_reviewed_on = today
    return today
