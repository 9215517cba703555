"""Writes for the core: people, invitations, company settings.

Keyword-only check_* (validate, lock) and do_* (write, then effects after commit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from culture import audit, jobs, people_import, sections
from culture.errors import InvalidInput
from culture.i18n import as_reader
from culture.logout import end_sessions
from culture.models import CompanySettings, ImportJob, Person, Team
from culture.notifications import notify
from webhooks import events

if TYPE_CHECKING:
    from culture.forms import CompanySettingsForm, CultureTextForm, PersonForm


def set_password_path(person: Person) -> str:
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    return reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


def do_invite(
    *,
    by: Person,
    email: str,
    name: str,
    title: str = "",
    team: Team | None = None,
    manager: Person | None = None,
) -> Person:
    """Create (or reactivate) the person and email them a link to set their password."""
    with transaction.atomic():
        person, created = Person.objects.get_or_create(
            email=email.lower(),
            defaults={"name": name, "title": title, "team": team, "manager": manager},
        )
        if not created:
            person.name, person.title, person.is_active = name, title or person.title, True
            person.team = team or person.team
            person.manager = manager or person.manager
            person.save()
        if created or not person.has_usable_password():
            person.set_unusable_password()
            person.save(update_fields=["password"])
        company = CompanySettings.load()
        with as_reader(person):
            title = _("%(inviter)s invited you to %(company)s on Culture") % {
                "inviter": by.name,
                "company": company.name,
            }
            body = _(
                "Choose a password to get started. The link works once and expires in three days."
            )
        notify(
            person,
            key=f"invite:{person.pk}:{timezone.now():%Y%m%d%H%M%S%f}",
            kind="invite",
            title=title,
            body=body,
            url=set_password_path(person),
            in_app=False,
            template="emails/invite",
            context={"invited_by": by},
        )
        audit.record(by, "person.invited", subject=person, obj=person)
        events.emit_people("person.created" if created else "person.updated", [person.pk])
    return person


def do_update_company_settings(
    *, by: Person, form: CompanySettingsForm | CultureTextForm
) -> CompanySettings:
    with transaction.atomic():
        obj = form.save(commit=False)
        obj.updated_by = by
        obj.save()
        audit.record(by, "settings.changed", detail={"fields": sorted(form.changed_data)})
    return obj


def do_queue_import(
    *, by: Person, filename: str, content: bytes, deactivate_missing: bool
) -> ImportJob:
    with transaction.atomic():
        job = ImportJob.objects.create(
            created_by=by,
            filename=filename[:200],
            content=content,
            deactivate_missing=deactivate_missing,
        )
        audit.record(by, "people.import_queued", obj=job, detail={"filename": filename[:200]})
        jobs.defer(people_import.run_job, job.pk)
    return job


def do_update_person(*, by: Person, form: PersonForm) -> Person:
    """Save a people admin's edit; the reporting line is re-checked under a lock so two
    concurrent edits cannot build a cycle between them."""
    with transaction.atomic():
        person = form.save(commit=False)
        list(Person.objects.select_for_update().filter(pk__in=[person.pk, person.manager_id]))
        if person.manager_id and person.manager.pk in set(
            Person.objects.under(person).values_list("pk", flat=True)
        ):
            raise InvalidInput(_("That change would make a reporting cycle."))
        person.save()
        audit.record(
            by,
            "person.changed",
            subject=person,
            obj=person,
            detail={"fields": sorted(form.changed_data)},
        )
        deactivated = "is_active" in form.changed_data and not person.is_active
        if deactivated:
            events.emit_people("person.deactivated", [person.pk])
            sections.people_left([person.pk])
        elif set(form.changed_data) & set(events.PERSON_FIELDS):
            events.emit_people("person.updated", [person.pk])
        if deactivated:
            end_sessions([person.pk])
    return person
