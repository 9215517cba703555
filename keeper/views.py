"""Keeper views: parse -> access gate -> form -> one service call -> render."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from culture import audit, clock, sections
from culture.csvsafe import csv_response
from culture.errors import ActionRefused
from culture.http import AuthedHttpRequest
from culture.models import Person
from keeper import access, labels
from keeper.forms import (
    AnswerForm,
    HeldForm,
    LookAgainForm,
    PolicyForm,
    PostExitForm,
    PromptLogForm,
    ShareForm,
)
from keeper.models import (
    Answer,
    HireAgain,
    KeeperCycle,
    KeeperPolicy,
    KeeperPromptLog,
    KeeperTest,
    PostExit,
    Wording,
)
from keeper.services import answers as answers_services
from keeper.services import policy as policy_services
from keeper.services import post_exit as post_exit_services
from keeper.services import prompt as prompt_services
from keeper.services import remind as remind_services
from keeper.services import severance as severance_services


def _cycle_from(request: AuthedHttpRequest) -> KeeperCycle | None:
    cycle_id = request.GET.get("cycle", "")
    if cycle_id:
        try:
            return KeeperCycle.objects.get(pk=int(cycle_id))
        except (KeeperCycle.DoesNotExist, ValueError):
            raise Http404
    return KeeperCycle.objects.latest_started()


class Card:
    """One direct report on the manager's page: the test, its answer form (which validates
    posts, carries their errors and draws the card's controls), the trend and the notes."""

    saved_at: datetime  # set by the answer view once the answer is saved
    notes_open = False  # the compact row's notes stay open after saving them

    def __init__(
        self,
        test: KeeperTest,
        cycle: KeeperCycle,
        *,
        writable: bool,
        viewer: Person | None = None,
        own: bool = True,
        data: QueryDict | None = None,
    ):
        """`own`: the card is on the viewer's own page, so its notes box holds the viewer's
        own note. Other notes the viewer may read (`test.readable_notes`, from
        KeeperTest.objects.with_notes_readable_by) are shown apart, each with its author's
        name; on a reader's card (a drill-down) every note is shown that way."""
        self.test = test
        self.cycle = cycle
        self.own = own
        self.questions = cycle.questions(test.report.get_short_name())
        self.trend: list[dict] = []
        self.asked_on = None
        notes = getattr(test, "readable_notes", [])
        mine = None
        if own and viewer is not None:
            mine = next((n for n in notes if n.author_id == viewer.pk), None)
        self.other_notes = [n for n in notes if n is not mine]
        self.form = AnswerForm(
            data,
            prefix=f"t{test.pk}",
            initial={
                "answer": test.answer,
                "hire_again": test.hire_again,
                "notes": mine.text if mine else "",
                "shared_with_employee": test.shared_with_employee,
            },
        )
        self.asks_hire_again = cycle.wording == Wording.CLASSIC_2024
        if not self.asks_hire_again:
            del self.form.fields["hire_again"]  # classic cycles do not ask it
        self.writable = writable

    # The card's sentences with a name or a date, in the reader's language. The Jinja2
    # templates show them as they are: their environment's _() is newstyle gettext, which
    # formats at once, so `_("... %(name)s")|format(...)` cannot be written there.

    @property
    def asked_text(self) -> str:
        if self.asked_on is None:
            return ""
        return _("Asked you the keeper prompt on %(date)s") % {
            "date": date_format(self.asked_on, "DATE_FORMAT")
        }

    @property
    def guidance_text(self) -> str:
        return _("Not sure or No: read the guidance for %(name)s") % {
            "name": self.test.report.get_short_name()
        }

    @property
    def look_again_text(self) -> str:
        if not self.test.look_again_on:
            return ""
        return _("· looking again on %(date)s") % {
            "date": date_format(self.test.look_again_on, "DATE_FORMAT")
        }

    @property
    def notes_label(self) -> str:
        return _("Your private notes about %(name)s") % {"name": self.test.report.get_short_name()}

    @property
    def other_notes_shown(self) -> list[dict[str, Any]]:
        """The other notes the viewer reads, each with its heading and date line."""
        return [
            {
                "note": note,
                "heading": _("Private notes by %(name)s") % {"name": note.author.name},
                "changed": _("Last changed %(date)s")
                % {"date": date_format(timezone.localtime(note.updated_at), "DATE_FORMAT")},
            }
            for note in self.other_notes
        ]

    @property
    def writable(self) -> bool:
        return self._writable

    @writable.setter
    def writable(self, value: bool) -> None:
        """A card that may not be written shows its answer in disabled controls."""
        self._writable = value
        for field in self.form.fields.values():
            field.disabled = not value


def _progress(tests: Sequence[KeeperTest]) -> dict[str, int]:
    total = len(tests)
    answered = sum(1 for t in tests if t.answer)
    return {"total": total, "answered": answered}


def _manager_context(
    viewer: Person, manager: Person, cycle: KeeperCycle | None, *, report_id: int | None = None
) -> dict:
    """The cards of `manager`'s people in `cycle` as `viewer` reads them (`report_id`: only
    that person's card, the card view for one person at a time)."""
    if cycle is None:
        return {"cycle": None, "cards": [], "progress": {"total": 0, "answered": 0}}
    tests = list(
        KeeperTest.objects.for_manager_page(cycle, manager)
        .exclude(report=viewer)
        .with_notes_readable_by(viewer)
    )
    progress = _progress(tests)
    if report_id is not None:
        tests = [t for t in tests if t.report_id == report_id]
    is_open = cycle.is_open()
    own = viewer.pk == manager.pk
    writable = is_open and own
    cards = [Card(t, cycle, writable=writable, viewer=viewer, own=own) for t in tests]
    ids = [t.report_id for t in tests]
    trend = KeeperTest.objects.earlier_answers(viewer, cycle, ids)
    asked = dict(
        KeeperPromptLog.objects.filter(person_id__in=ids, manager_id=manager.pk)
        .values("person_id")
        .annotate(last=Max("asked_on"))
        .values_list("person_id", "last")
    )
    for card in cards:
        card.trend = trend.get(card.test.report_id, [])
        card.asked_on = asked.get(card.test.report_id)
    read = [
        t.report
        for t in tests
        if t.answer or t.hire_again or t.readable_notes or trend.get(t.report_id)
    ]
    if read:
        audit.record_many(
            viewer, "keeper.answer.read", read, detail={"cycle": cycle.label, "page": "manager"}
        )
    return {
        "cycle": cycle,
        "is_open": is_open,
        "cards": cards,
        "progress": progress,
    }


@require_GET
def index(request: AuthedHttpRequest) -> HttpResponse:
    """The manager's page for the current cycle (or the last one, locked), and the way in
    to everything else."""
    me = access.require_active(request.user)
    cycle = _cycle_from(request)
    try:
        report_id = int(request.GET["person"]) if request.GET.get("person") else None
    except ValueError:
        raise Http404
    context = _manager_context(me, me, cycle, report_id=report_id)
    context["one_person"] = report_id is not None
    context["manages_managers"] = me.manages_managers()
    context["cycles"] = list(
        KeeperCycle.objects.filter(opens_at__lte=timezone.now())
        .only("id", "label")
        .order_by("-opens_at")[:8]
    )
    # What other practices add (Circles: who has not been through one in the last year).
    if report_id is None:  # not on the card view for one person
        context.update(sections.page_sections("keeper", request))
    return render(request, "keeper/index.html", context)


@require_POST
def answer(request: AuthedHttpRequest, test_id: int) -> HttpResponse:
    test = access.get_keeper_test_for_user(request.user, test_id, write=True)
    posted = _row_post(request.POST, test.pk)
    card = Card(test, test.cycle, writable=True, viewer=request.user, data=posted)
    status = 200
    # A POST with none of this card's fields carries another test's (t<other id>-...):
    # refuse it rather than save this answer as blank.
    own = any(key.startswith(f"{card.form.prefix}-") for key in posted)
    # Fields of another test beside this one's (the compact row's buttons fill in this
    # test's own): refused too, never saved as this test's answer.
    other = any(
        key[0] == "t" and key.split("-", 1)[0][1:].isdigit() and not key.startswith(f"t{test.pk}-")
        for key in request.POST
    )
    if card.form.is_valid() and (other or not own):
        card.form.add_error(None, _("This form is not for this person's keeper test."))
        status = 422
    elif card.form.is_valid():
        data = card.form.cleaned_data
        try:
            test = answers_services.do_answer(
                actor=request.user,
                test_id=test.pk,
                answer=data["answer"],
                notes=data["notes"],
                shared_with_employee=data["shared_with_employee"],
                hire_again=data.get("hire_again"),
            )
        except ActionRefused as exc:
            card.form.add_error(None, exc.message)
            status = 422
        else:
            card.test = test
            card.saved_at = timezone.now()
    else:
        status = 422
    if request.POST.get("compact") == "1":
        return _row_response(request, card, status)
    if not request.htmx:
        if status == 422:
            context = _manager_context(request.user, request.user, test.cycle)
            for c in context["cards"]:
                if c.test.pk == test.pk:
                    card.other_notes = c.other_notes
            context["cards"] = [card if c.test.pk == test.pk else c for c in context["cards"]]
            context["manages_managers"] = request.user.manages_managers()
            return render(request, "keeper/index.html", context, status=422)
        return redirect(reverse("keeper:index") + f"#card-{test.pk}")
    tests = list(KeeperTest.objects.for_manager_page(test.cycle, request.user))
    html = render_to_string("keeper/card_status.html", {"card": card}, request=request)
    html += render_to_string(
        "keeper/index.html#progress",
        {"progress": _progress(tests), "cycle": test.cycle, "oob": True},
        request=request,
    )
    return HttpResponse(html, status=status)


def _row_post(post: QueryDict, test_pk: int) -> QueryDict:
    """The compact view's row posts its current answers as fields and the button pressed
    as `set-answer` / `set-hire_again`: the button's value wins."""
    if "set-answer" not in post and "set-hire_again" not in post:
        return post
    data = post.copy()
    for field in ("answer", "hire_again"):
        if f"set-{field}" in post:
            data[f"t{test_pk}-{field}"] = post.get(f"set-{field}", "")
    return data


def _compact_context(viewer: Person, cycle: KeeperCycle | None) -> dict[str, Any]:
    context = _manager_context(viewer, viewer, cycle)
    context["cycles"] = list(
        KeeperCycle.objects.filter(opens_at__lte=timezone.now())
        .only("id", "label")
        .order_by("-opens_at")[:8]
    )
    context["answer_choices"] = Answer.choices
    context["hire_again_choices"] = HireAgain.choices
    return context


def _row_response(request: AuthedHttpRequest, card: Card, status: int) -> HttpResponse:
    """What a post from the compact view gets back: over htmx the row (errors in place,
    422) and the progress; without htmx the page again (422) or a redirect to the row."""
    test = card.test
    card.notes_open = "save-notes" in request.POST or bool(card.form.errors)
    if not request.htmx:
        if status == 200:
            return redirect(reverse("keeper:compact") + f"#row-{test.pk}")
        context = _compact_context(request.user, test.cycle)
        for c in context["cards"]:
            if c.test.pk == test.pk:
                card.trend = c.trend
        context["cards"] = [card if c.test.pk == test.pk else c for c in context["cards"]]
        return render(request, "keeper/compact.html", context, status=422)
    card.trend = KeeperTest.objects.earlier_answers(request.user, test.cycle, [test.report_id]).get(
        test.report_id, []
    )
    tests = list(KeeperTest.objects.for_manager_page(test.cycle, request.user))
    html = render_to_string(
        "keeper/row.html",
        {
            "card": card,
            "answer_choices": Answer.choices,
            "hire_again_choices": HireAgain.choices,
        },
        request=request,
    )
    html += render_to_string(
        "keeper/index.html#progress",
        {"progress": _progress(tests), "cycle": test.cycle, "oob": True},
        request=request,
    )
    return HttpResponse(html, status=status)


@require_GET
def compact(request: AuthedHttpRequest) -> HttpResponse:
    """The manager's page at a real manager's scale: one row per person, the answer as
    buttons, notes opening in place, saved as they go. The same reads (and audit) as the
    card view, in the same number of queries whatever the number of people."""
    me = access.require_active(request.user)
    return render(request, "keeper/compact.html", _compact_context(me, _cycle_from(request)))


def _guidance_context(
    request: AuthedHttpRequest, test: KeeperTest, form: LookAgainForm | None = None
) -> dict[str, Any]:
    writable = test.cycle.is_open() and test.report.manager_id == request.user.pk
    audit.record(request.user, "keeper.answer.read", subject=test.report, obj=test)
    return {
        "test": test,
        "cycle": test.cycle,
        "questions": test.cycle.questions(test.report.get_short_name()),
        "estimate": severance_services.severance_estimate(test.report, viewer=request.user),
        "writable": writable,
        "form": form or LookAgainForm(initial={"look_again_on": test.look_again_on}),
    }


@require_GET
def guidance(request: AuthedHttpRequest, test_id: int) -> HttpResponse:
    test = access.get_keeper_test_for_user(request.user, test_id)
    return render(request, "keeper/guidance.html", _guidance_context(request, test))


@require_POST
def look_again(request: AuthedHttpRequest, test_id: int) -> HttpResponse:
    test = access.get_keeper_test_for_user(request.user, test_id, write=True)
    form = LookAgainForm(request.POST)
    if form.is_valid():
        try:
            answers_services.do_set_look_again(
                actor=request.user, test_id=test.pk, on=form.cleaned_data["look_again_on"]
            )
        except ActionRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("We will remind you on %(date)s.")
                % {"date": labels.long_date(form.cleaned_data["look_again_on"])},
            )
            return redirect("keeper:guidance", test.pk)
    return render(
        request, "keeper/guidance.html", _guidance_context(request, test, form), status=422
    )


@require_http_methods(["GET", "POST"])
def ask(request: AuthedHttpRequest) -> HttpResponse:
    """The keeper prompt, for everyone; a private log only its owner sees."""
    me = access.require_active(request.user)
    form = PromptLogForm(request.POST or None, initial={"asked_on": clock.today()})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            prompt_services.do_log_prompt(person=me, **form.cleaned_data)
            messages.success(request, _("Added to your private log."))
            return redirect("keeper:ask")
        status = 422
    entries = KeeperPromptLog.objects.filter(person=me).select_related("manager")
    # The employee never sees an answer about themselves; when their manager recorded that
    # they shared where they stand, the employee sees only that (not the answer, not notes).
    shared = list(
        KeeperTest.objects.filter(report=me, shared_with_employee=True)
        .order_by("-cycle__opens_at")
        .values_list("cycle__label", flat=True)[:4]
    )
    shared = [labels.localise(label) for label in shared]
    return render(
        request,
        "keeper/ask.html",
        {"form": form, "entries": entries, "manager": me.manager, "shared": shared},
        status=status,
    )


def _today_for(person: Person) -> date:
    """The day a reminder counts for: the company's date, read from the zone the person
    lookup already carries (no query of its own)."""
    return timezone.localtime(timezone=clock.zone_for(person)).date()


def _require_rollup_reader(request: AuthedHttpRequest) -> Person:
    me = access.require_active(request.user)
    if not (me.is_people_admin or me.manages_managers()):
        raise PermissionDenied
    return me


@require_GET
def rollup(request: AuthedHttpRequest) -> HttpResponse:
    """Managers of managers: completion (a bar per manager, with a reminder for whoever has
    tests left while the cycle is open) and answer counts for every manager under them."""
    me = _require_rollup_reader(request)
    cycle = _cycle_from(request)
    table = [] if cycle is None else KeeperTest.objects.rollup_for(me, cycle)
    if cycle is not None:
        audit.record(me, "keeper.rollup.read", detail={"cycle": cycle.label})
    is_open = cycle is not None and cycle.is_open()
    reminded = (
        remind_services.reminded_today(
            cycle, [r["id"] for r in table if r["id"]], today=_today_for(me)
        )
        if is_open and cycle is not None
        else set()
    )
    for row in table:
        row["remindable"] = (
            is_open and row["id"] not in (None, me.pk) and row["answered"] < row["total"]
        )
        row["reminded"] = row["id"] in reminded
    return render(
        request,
        "keeper/rollup.html",
        {
            "cycle": cycle,
            "rows": table,
            "is_open": is_open,
            "cycles": KeeperCycle.objects.only("id", "label").order_by("-opens_at")[:12],
        },
    )


@require_POST
def rollup_remind(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    """Remind one manager under the viewer of the keeper tests they have left, through the
    notification ledger: at most once a day, however often anyone clicks."""
    me = _require_rollup_reader(request)
    manager = access.get_keeper_rollup_manager_for_user(me, person_id)
    if manager.pk == me.pk:
        raise Http404
    cycle = KeeperCycle.objects.current()
    if cycle is None:
        raise Http404
    error = ""
    sent = False
    try:
        sent = remind_services.do_remind_manager(
            actor=me, manager=manager, cycle=cycle, today=_today_for(me)
        )
    except ActionRefused as exc:
        error = exc.message
    if request.htmx:
        row = {"id": manager.pk, "name": manager.name, "remindable": True, "reminded": not error}
        return render(
            request,
            "keeper/rollup.html#remind",
            {"r": row, "cycle": cycle, "error": error, "just_sent": sent},
            status=422 if error else 200,
        )
    if error:
        messages.error(request, error)
    elif sent:
        messages.success(request, _("Reminded %(name)s.") % {"name": manager.name})
    else:
        messages.info(request, _("%(name)s was already reminded today.") % {"name": manager.name})
    return redirect(reverse("keeper:rollup") + f"?cycle={cycle.pk}")


@require_GET
def rollup_manager(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    """Drill down: one manager's answers, for the managers above them and people admins."""
    me = access.require_active(request.user)
    manager = access.get_keeper_rollup_manager_for_user(me, person_id)
    cycle = _cycle_from(request)
    context = _manager_context(me, manager, cycle)
    context.update({"manager": manager, "readonly": True})
    for card in context["cards"]:
        card.writable = False
    return render(request, "keeper/manager.html", context)


def _admin_context(
    viewer: Person, policy_form: PolicyForm | None = None, cycle: KeeperCycle | None = None
) -> dict[str, Any]:
    policy = KeeperPolicy.load()
    cycles = list(
        KeeperCycle.objects.annotate(
            total=Count("tests"), answered=Count("tests", filter=~Q(tests__answer=""))
        ).order_by("-opens_at")[:12]
    )
    if cycle is None and cycles:
        cycle = next((c for c in cycles if c.is_open()), cycles[0])
    by_team, by_manager = [], []
    if cycle is not None:
        tests = KeeperTest.objects.filter(cycle=cycle)
        by_team = list(tests.completion_by_team())
        by_manager = KeeperTest.objects.rollup_for(viewer, cycle, answers=False)
    return {
        "policy": policy,
        "policy_form": policy_form or PolicyForm(initial=PolicyForm.initial_for(policy)),
        "cycles": cycles,
        "cycle": cycle,
        "by_team": by_team,
        "by_manager": by_manager,
    }


@require_GET
def admin(request: AuthedHttpRequest) -> HttpResponse:
    """People admins: company-wide completion by team and manager, cycles, settings."""
    access.require_people_admin(request.user)
    cycle = _cycle_from(request) if request.GET.get("cycle") else None
    return render(request, "keeper/admin.html", _admin_context(request.user, cycle=cycle))


@require_POST
def settings(request: AuthedHttpRequest) -> HttpResponse:
    access.require_people_admin(request.user)
    form = PolicyForm(request.POST)
    if form.is_valid():
        policy_services.do_update_policy(actor=request.user, cleaned=form.cleaned_data)
        messages.success(request, _("Saved. The change applies from the next cycle."))
        return redirect("keeper:admin")
    return render(
        request, "keeper/admin.html", _admin_context(request.user, policy_form=form), status=422
    )


@require_GET
def export(request: AuthedHttpRequest) -> HttpResponse:
    """Completion as CSV; answers only when asked for (and then audited per person)."""
    access.require_people_admin(request.user)
    cycle = _cycle_from(request)
    with_answers = request.GET.get("answers") == "1"
    # Column names in the reader's language; the values (answer codes, yes/no) are data.
    header = [
        pgettext("keeper CSV column", "cycle"),
        pgettext("keeper CSV column", "team"),
        pgettext("keeper CSV column", "manager"),
        pgettext("keeper CSV column", "manager_email"),
        pgettext("keeper CSV column", "person"),
        pgettext("keeper CSV column", "person_email"),
        pgettext("keeper CSV column", "answered"),
    ]
    if with_answers:
        header += [
            pgettext("keeper CSV column", "answer"),
            pgettext("keeper CSV column", "hire_again"),
            pgettext("keeper CSV column", "shared_with_employee"),
        ]
    if cycle is None:
        return csv_response("keeper-completion.csv", header, [])
    tests = list(
        KeeperTest.objects.filter(cycle=cycle)
        .select_related("manager", "report", "report__team")
        .order_by("manager__name", "report__name")
    )
    rows = []
    for t in tests:
        row = [
            cycle.label,
            t.report.team.name if t.report.team else "",
            t.manager.name,
            t.manager.email,
            t.report.name,
            t.report.email,
            "yes" if t.answer else "no",
        ]
        if with_answers:
            # Nobody reads an answer about themselves, the exporting admin included.
            about_me = t.report_id == request.user.pk
            row += [
                "" if about_me else t.answer,
                "" if about_me else t.hire_again,
                "yes" if t.shared_with_employee else "no",
            ]
        rows.append(row)
    if with_answers:
        audit.record_many(
            request.user,
            "keeper.answer.read",
            [
                t.report
                for t in tests
                if (t.answer or t.hire_again) and t.report_id != request.user.pk
            ],
            detail={"cycle": cycle.label, "page": "export"},
        )
    else:
        audit.record(request.user, "keeper.completion.exported", detail={"cycle": cycle.label})
    return csv_response(f"keeper-{cycle.period_key}.csv", header, rows)


# --- The post-exit Q&A ----------------------------------------------------------------------


@require_GET
def post_exits(request: AuthedHttpRequest) -> HttpResponse:
    """The post-exit Q&As the viewer holds or oversees (their chain, people admins), and
    those shared with them as one of the team. No notes here: names, dates, states."""
    me = access.require_active(request.user)
    base = PostExit.objects.select_related("person", "manager").order_by("-left_on", "-id")
    mine = list(base.readable_by(me)[:100])
    shared = list(base.shared_with(me)[:100])
    return render(request, "keeper/post_exits.html", {"mine": mine, "shared": shared})


def _post_exit_context(
    request: AuthedHttpRequest,
    post_exit: PostExit,
    *,
    form: PostExitForm | None = None,
    held_form: HeldForm | None = None,
) -> dict[str, Any]:
    if post_exit.shared_at is None and (post_exit.what_happened or post_exit.notes):
        audit.record(request.user, "keeper.post_exit.read", subject=post_exit.person, obj=post_exit)
    writable = post_exit.manager_id == request.user.pk
    return {
        "post_exit": post_exit,
        "record": post_exit_services.feedback_record(post_exit),
        "writable": writable,
        "form": form
        or PostExitForm(
            initial={"what_happened": post_exit.what_happened, "notes": post_exit.notes}
        ),
        "held_form": held_form or HeldForm(initial={"held_on": post_exit.held_on or clock.today()}),
    }


@require_http_methods(["GET", "POST"])
def post_exit(request: AuthedHttpRequest, post_exit_id: int) -> HttpResponse:
    """Prepare the Q&A from the template (the former manager); read it (their chain and
    people admins, audited while the notes are not shared)."""
    record = access.get_post_exit_for_user(
        request.user, post_exit_id, write=request.method == "POST"
    )
    if request.method == "POST":
        form = PostExitForm(request.POST)
        if form.is_valid():
            try:
                post_exit_services.do_prepare(
                    actor=request.user, post_exit_id=record.pk, **form.cleaned_data
                )
            except ActionRefused as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Saved."))
                return redirect("keeper:post_exit", record.pk)
        return render(
            request,
            "keeper/post_exit.html",
            _post_exit_context(request, record, form=form),
            status=422,
        )
    return render(request, "keeper/post_exit.html", _post_exit_context(request, record))


@require_POST
def post_exit_held(request: AuthedHttpRequest, post_exit_id: int) -> HttpResponse:
    record = access.get_post_exit_for_user(request.user, post_exit_id, write=True)
    form = HeldForm(request.POST)
    if form.is_valid():
        try:
            post_exit_services.do_mark_held(
                actor=request.user, post_exit_id=record.pk, held_on=form.cleaned_data["held_on"]
            )
        except ActionRefused as exc:
            form.add_error("held_on", exc.message)
        else:
            messages.success(request, _("Marked as held."))
            return redirect("keeper:post_exit", record.pk)
    return render(
        request,
        "keeper/post_exit.html",
        _post_exit_context(request, record, held_form=form),
        status=422,
    )


@require_POST
def post_exit_share(request: AuthedHttpRequest, post_exit_id: int) -> HttpResponse:
    record = access.get_post_exit_for_user(request.user, post_exit_id, write=True)
    form = ShareForm(request.POST)
    form.is_valid()  # a checkbox: always valid
    try:
        post_exit_services.do_share(
            actor=request.user, post_exit_id=record.pk, shared=form.cleaned_data["shared"]
        )
    except ActionRefused as exc:
        context = _post_exit_context(request, record)
        context["share_error"] = exc.message
        return render(request, "keeper/post_exit.html", context, status=422)
    messages.success(
        request,
        _("Shared with your team.") if form.cleaned_data["shared"] else _("No longer shared."),
    )
    return redirect("keeper:post_exit", record.pk)


@require_GET
def post_exit_shared(request: AuthedHttpRequest, post_exit_id: int) -> HttpResponse:
    """What the former manager shared with the team."""
    record = access.get_shared_post_exit_for_user(request.user, post_exit_id)
    return render(
        request,
        "keeper/post_exit_shared.html",
        {"post_exit": record, "record": post_exit_services.feedback_record(record)},
    )
