"""Writes to context pages. Every save is a new revision; the notice to the people the page
concerns is deferred work (culture.jobs), sent by context.notices after the save commits."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from context import notices
from context.models import SECTION_FIELDS, ContextPage, ContextRevision
from culture import audit, jobs
from culture.errors import Conflict, InvalidInput
from culture.models import Person

CHANGED_SINCE_OPENED = gettext_lazy(
    "This page changed since you opened it: %(name)s saved “%(summary)s”. Your text is "
    "below; look at what changed, then save again to replace it."
)


class PageChanged(Conflict):
    """Someone saved the page after this editor opened it (optimistic version check)."""

    code = "context_changed"

    def __init__(self, message: str, *, latest: ContextRevision | None):
        super().__init__(message)
        self.latest = latest


def _lock(page: ContextPage) -> ContextPage:
    """The page's row, locked; created (empty, version 0) on its first save."""
    if page.pk is None:
        if page.is_company:
            page, _created = ContextPage.objects.get_or_create(is_company=True)
        else:
            page, _created = ContextPage.objects.get_or_create(team=page.team)
    return (
        ContextPage.objects.select_for_update(of=("self",)).select_related("team").get(pk=page.pk)
    )


def check_save(*, locked: ContextPage, base_version: int, texts: dict[str, str]) -> None:
    if locked.version != base_version:
        latest = (
            locked.revisions.select_related("author").order_by("-number").first()
            if locked.version
            else None
        )
        name = latest.author.name if latest and latest.author else _("someone")
        raise PageChanged(
            CHANGED_SINCE_OPENED % {"name": name, "summary": latest.summary if latest else ""},
            latest=latest,
        )
    if all(getattr(locked, field) == texts[field] for field in SECTION_FIELDS):
        raise InvalidInput(_("Nothing changed: edit a section before saving a new version."))


def do_save_page(
    *,
    page: ContextPage,
    by: Person,
    base_version: int,
    summary: str,
    texts: dict[str, str],
) -> ContextRevision:
    """Save the four sections as the page's next revision, if nobody saved it since the
    editor opened version `base_version` (else PageChanged, 409). The people the page
    concerns are told after commit (notices.send_revision_notices)."""
    texts = {field: texts.get(field, "") for field in SECTION_FIELDS}
    summary = " ".join(summary.split())[:200]
    if not summary:
        raise InvalidInput(_("Say in one line what changed."))
    with transaction.atomic():
        locked = _lock(page)
        check_save(locked=locked, base_version=base_version, texts=texts)
        now = timezone.now()
        locked.version += 1
        for field, text in texts.items():
            setattr(locked, field, text)
        locked.updated_at = now
        locked.updated_by = by
        locked.save()
        revision = ContextRevision.objects.create(
            page=locked, number=locked.version, author=by, created_at=now, summary=summary, **texts
        )
        audit.record(
            by,
            "context.saved",
            obj=revision,
            detail={
                "page": "company" if locked.is_company else locked.team.slug,  # type: ignore[union-attr]
                "version": locked.version,
                "summary": summary,
            },
        )
        jobs.defer(notices.send_revision_notices, revision.pk)
    return revision
