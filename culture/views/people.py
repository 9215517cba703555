"""People: directory, profile, org chart, import, invite, export."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from culture import access, audit, clock, people_import, privacy, ratelimit, sections, services
from culture.csvsafe import csv_response, write_rows
from culture.errors import ActionRefused
from culture.forms import ConfirmEmailForm, ImportForm, InviteForm, PersonForm
from culture.http import AuthedHttpRequest
from culture.links import url_maker
from culture.models import ImportJob, Person, PersonQuerySet, Team
from culture.paging import CappedPaginator

PAGE_SIZE = 25
SEARCH_COUNT_CAP = 1000  # a search shows "1,000+ people matching" past this
SIBLINGS_SHOWN = 12
BRANCH_LIMIT = 200


def _with_report_counts(qs: PersonQuerySet) -> PersonQuerySet:
    """Each person's active direct reports, counted by a subquery on the manager index for
    the rows shown. A join and GROUP BY would count them for every row before the LIMIT:
    all of a CEO's reports, to show a dozen (bench/README.md, item 30)."""
    reports = (
        Person.objects.filter(manager_id=OuterRef("pk"), is_active=True)
        .order_by()
        .values("manager_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(report_count=Coalesce(Subquery(reports), 0))


@require_GET
def directory(request: AuthedHttpRequest) -> HttpResponse:
    access.require_active(request.user)
    q = request.GET.get("q", "").strip()[:100]
    team_slug = request.GET.get("team", "").strip()[:120]
    people = Person.objects.active().for_directory().search(q)
    if team_slug:
        people = people.filter(Q(team__slug=team_slug) | Q(team__name__iexact=team_slug))
    # A search counts its matches up to a cap ("1,000+ people matching"): a common word
    # matches a fifth of a large company, and counting every match cost more than the page.
    paginator = (
        CappedPaginator(people, PAGE_SIZE, cap=SEARCH_COUNT_CAP)
        if q
        else Paginator(people, PAGE_SIZE)
    )
    page = paginator.get_page(request.GET.get("page"))
    profile = url_maker("people:profile")
    for person in page.object_list:  # two links a row: built here, not by 50 {% url %} tags
        person.profile_url = profile(person.pk)
        person.manager_url = profile(person.manager_id) if person.manager_id else ""
    # What the practices show beside a name (freedom: "Away until 6 Mar", to who may know).
    sections.mark_people(request, list(page.object_list))
    context: dict[str, Any] = {"page": page, "q": q, "team_slug": team_slug}
    if request.htmx and request.htmx.target == "directory-results":
        return render(request, "culture/directory.html#results", context)  # no filter form
    context["teams"] = Team.objects.for_select()  # None: too many, a text field instead
    return render(request, "culture/directory.html", context)


@require_GET
def profile(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    person = access.get_person_for_user(request.user, person_id)
    chain = Person.objects.chain_above(person)
    reports = list(
        _with_report_counts(Person.objects.active().direct_reports_of(person)).select_related(
            "team"
        )
    )
    can_manage = access.can_manage(request.user, person)
    context = {"person": person, "chain": chain, "reports": reports, "can_manage": can_manage}
    # What the practices show of the person (feedback: the link to what they received).
    context.update(sections.profile_context(request, person, manages=can_manage))
    return render(request, "culture/profile.html", context)


@require_GET
def org_chart(request: AuthedHttpRequest) -> HttpResponse:
    """The tree around the viewer: their chain above, their peers, their reports.
    Every node with reports expands in place (lazy-loaded) and collapses again."""
    me = access.require_active(request.user)
    focus_id = request.GET.get("focus")
    focus = access.get_person_for_user(me, focus_id) if focus_id else me
    chain = list(reversed(Person.objects.chain_above(focus)))
    if focus.manager_id:
        peers = Person.objects.active().filter(manager_id=focus.manager_id)
    else:
        peers = Person.objects.active().filter(manager__isnull=True)
    # A big branch (a CEO with hundreds of reports) shows only the focus at first; the rest
    # of the branch loads when asked, so the page stays small at any company size. The same
    # three queries at any size: the first few peers, how many there are, and the viewer's
    # own node (shown alone, with a "show all" button, when the branch is big).
    siblings = list(
        _with_report_counts(peers).select_related("team").order_by("name")[:SIBLINGS_SHOWN]
    )
    sibling_count = peers.count()
    focus_row = list(_with_report_counts(Person.objects.filter(pk=focus.pk)).select_related("team"))
    if sibling_count > SIBLINGS_SHOWN:
        siblings = focus_row
    elif not any(s.pk == focus.pk for s in siblings):  # an inactive person, for admins
        siblings = sorted([*siblings, *focus_row], key=lambda p: (p.name, p.pk))
    reports = list(
        _with_report_counts(Person.objects.active().direct_reports_of(focus))
        .select_related("team")
        .order_by("name")[: BRANCH_LIMIT + 1]
    )
    return render(
        request,
        "culture/org_chart.html",
        {
            "focus": focus,
            "chain": chain,
            "parent": chain[-1] if chain else None,
            "siblings": siblings,
            "sibling_count": sibling_count,
            "siblings_collapsed": sibling_count > len(siblings),
            "reports": reports[:BRANCH_LIMIT],
            "reports_overflow": len(reports) > BRANCH_LIMIT,
        },
    )


@require_GET
def org_branch(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    """The direct reports of one node, as a fragment (htmx) or a page."""
    person = access.get_person_for_user(request.user, person_id)
    reports = list(
        _with_report_counts(Person.objects.active().direct_reports_of(person))
        .select_related("team")
        .order_by("name")[: BRANCH_LIMIT + 1]
    )
    if request.htmx:
        return render(
            request,
            "culture/_org_nodes.html",
            {
                "nodes": reports[:BRANCH_LIMIT],
                "overflow": len(reports) > BRANCH_LIMIT,
                "branch": person,
                "me": request.user,
            },
        )
    return redirect(f"/people/org/?focus={person.pk}")


@require_GET
def export_csv(request: AuthedHttpRequest) -> HttpResponse:
    access.require_people_admin(request.user)
    rows = (
        Person.objects.active()
        .select_related("team", "manager")
        .order_by("email")
        .values_list(
            "email",
            "name",
            "title",
            "job_family",
            "level",
            "location",
            "team__name",
            "manager__email",
            "start_date",
        )
    )
    audit.record(request.user, "people.exported")
    return csv_response("people.csv", people_import.COLUMNS, rows.iterator(chunk_size=2000))


@require_GET
def import_template(request: AuthedHttpRequest) -> HttpResponse:
    access.require_people_admin(request.user)
    body = write_rows(
        people_import.COLUMNS,
        [
            [
                "ada@example.com",
                "Ada Lovelace",
                "VP Engineering",
                "Engineering",
                8,
                "London",
                "Engineering",
                "",
                "2019-03-01",
            ],
            [
                "alan@example.com",
                "Alan Turing",
                "Staff Engineer",
                "Engineering",
                6,
                "London",
                "Engineering",
                "ada@example.com",
                "2021-09-15",
            ],
        ],
    )
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="people-template.csv"'
    return response


@require_http_methods(["GET", "POST"])
def import_upload(request: AuthedHttpRequest) -> HttpResponse:
    admin = access.require_people_admin(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            content = form.cleaned_data["file"].read()
            plan = people_import.validate(content)
            if plan.ok:
                job = services.do_queue_import(
                    by=admin,
                    filename=form.cleaned_data["file"].name,
                    content=content,
                    deactivate_missing=form.cleaned_data["deactivate_missing"],
                )
                return redirect("people:import_status", job_id=job.pk)
            problems = plan.problems
        status = 422
    recent = ImportJob.objects.select_related("created_by").defer("content")[:10]
    return render(
        request,
        "culture/import.html",
        {
            "form": form,
            "problems": problems[:500],
            "problem_count": len(problems),
            "recent": recent,
        },
        status=status,
    )


@require_GET
def import_status(request: AuthedHttpRequest, job_id: int) -> HttpResponse:
    job = access.get_import_job_for_user(request.user, job_id)
    processed = job.processed
    if job.status == ImportJob.Status.RUNNING:
        processed = cache.get(people_import.progress_key(job.pk), 0)
    percent = (
        100
        if job.status == ImportJob.Status.DONE
        else (int(processed * 100 / job.total) if job.total else 0)
    )
    template = "culture/import_status.html"
    if request.htmx:
        template += "#progress"
    return render(request, template, {"job": job, "processed": processed, "percent": percent})


@require_http_methods(["GET", "POST"])
def invite(request: AuthedHttpRequest) -> HttpResponse:
    admin = access.require_people_admin(request.user)
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            ratelimit.check(request, "invite", to=[form.cleaned_data["email"]])
            person = services.do_invite(by=admin, **form.cleaned_data)
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": person.email})
            return redirect("people:profile", person_id=person.pk)
        return render(request, "culture/invite.html", {"form": form}, status=422)
    return render(request, "culture/invite.html", {"form": form})


@require_http_methods(["GET", "POST"])
def edit_person(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    admin = access.require_people_admin(request.user)
    person = access.get_person_for_user(admin, person_id)
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.do_update_person(by=admin, form=form)
            except ActionRefused as exc:
                form.add_error("manager", exc.message)
            else:
                messages.success(request, _("%(name)s was updated.") % {"name": person.name})
                return redirect("people:profile", person_id=person.pk)
        return render(
            request, "culture/person_edit.html", {"form": form, "person": person}, status=422
        )
    return render(request, "culture/person_edit.html", {"form": form, "person": person})


def _data_page(
    request: AuthedHttpRequest,
    person: Person,
    *,
    export_form: ConfirmEmailForm | None = None,
    erase_form: ConfirmEmailForm | None = None,
    status: int = 200,
) -> HttpResponse:
    due = privacy.records_due_on(person) if not person.is_active else None
    return render(
        request,
        "culture/person_data.html",
        {
            "person": person,
            "export_form": export_form or ConfirmEmailForm(person=person, prefix="export"),
            "erase_form": erase_form or ConfirmEmailForm(person=person, prefix="erase"),
            "records_due_on": due,
            "records_past": due is not None and due <= clock.today(),
        },
        status=status,
    )


@require_GET
def person_data(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    """What the product holds about one person, for people admins: export it, or erase a
    person who has left."""
    person = access.get_person_data_for_user(request.user, person_id)
    return _data_page(request, person)


@require_POST
def person_data_export(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    person = access.get_person_data_for_user(request.user, person_id)
    form = ConfirmEmailForm(request.POST, person=person, prefix="export")
    if not form.is_valid():
        return _data_page(request, person, export_form=form, status=422)
    data = privacy.do_export_person(by=request.user, person=person)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="person-{person.pk}-data.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def person_data_erase(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    person = access.get_person_data_for_user(request.user, person_id)
    form = ConfirmEmailForm(request.POST, person=person, prefix="erase")
    if form.is_valid():
        try:
            due = privacy.do_erase_person(by=request.user, person=person)
        except ActionRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Erased. Their pay records and keeper tests are deleted on %(date)s"
                    " (or were, if that day has passed)."
                )
                % {"date": date_format(due, "j F Y")},
            )
            return redirect("people:data", person_id=person.pk)
    return _data_page(request, person, erase_form=form, status=422)
