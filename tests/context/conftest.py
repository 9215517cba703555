from __future__ import annotations

from context import access, services
from context.models import SECTION_FIELDS, ContextPage, ContextRevision


def save(
    by,
    slug: str | None = None,
    *,
    summary: str = "Updated the numbers",
    version: int | None = None,
    **texts: str,
) -> ContextRevision:
    """Save the page (the company's when slug is None) as `by`, on top of its current version
    unless `version` says which one the editor opened; unnamed sections keep their text."""
    page = access.get_page_for_user(by, slug, write=True)
    current = {field: getattr(page, field) for field in SECTION_FIELDS}
    return services.do_save_page(
        page=page,
        by=by,
        base_version=page.version if version is None else version,
        summary=summary,
        texts={**current, **texts},
    )


def page_of(slug: str | None) -> ContextPage:
    if slug is None:
        return ContextPage.objects.get(is_company=True)
    return ContextPage.objects.get(team__slug=slug)
