"""Keeper views: parse -> access gate -> form -> one service call -> render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from culture import audit, clock
from culture.csvsafe import csv_response
from culture.errors import ActionRefused
from culture.models import Person
from keeper import access
from keeper.forms import AnswerForm, LookAgainForm, PolicyForm, PromptLogForm
from keeper.models import KeeperCycle, KeeperPolicy, KeeperPromptLog, KeeperTest
from keeper.services import answers as answers_services
from keeper.services import policy as policy_services
from keeper.services import prompt as prompt_services
from keeper.services import severance as severance_services


def _cycle_from(request) -> KeeperCycle | None:
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

    def __init__(
        self,
        test: KeeperTest,
        cycle: KeeperCycle,
        *,
        writable: bool,
        viewer: Person | None = None,
        own: bool = True,
        data=None,
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
                "notes": mine.text if mine else "",
                "shared_with_employee": test.shared_with_employee,
            },
        )
        self.writable = writable

    @property
    def writable(self) -> bool:
        return self._writable

    @writable.setter
    def writable(self, value: bool) -> None:
        """A card that may not be written shows its answer in disabled controls."""
        self._writable = value
        for field in self.form.fields.values():
            field.disabled = not value


def _progress(tests) -> dict:
    total = len(tests)
    answered = sum(1 for t in tests if t.answer)
    return {"total": total, "answered": answered}


def _manager_context(viewer: Person, manager: Person, cycle: KeeperCycle | None) -> dict:
    if cycle is None:
        return {"cycle": None, "cards": [], "progress": {"total": 0, "answered": 0}}
    tests = list(
        KeeperTest.objects.for_manager_page(cycle, manager)
        .exclude(report=viewer)
        .with_notes_readable_by(viewer)
    )
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
    read = [t.report for t in tests if t.answer or t.readable_notes or trend.get(t.report_id)]
    if read:
        audit.record_many(
            viewer, "keeper.answer.read", read, detail={"cycle": cycle.label, "page": "manager"}
        )
    return {
        "cycle": cycle,
        "is_open": is_open,
        "cards": cards,
        "progress": _progress(tests),
    }


@require_GET
def index(request):
    """The manager's page for the current cycle (or the last one, locked), and the way in
    to everything else."""
    me = access.require_active(request.user)
    cycle = _cycle_from(request)
    context = _manager_context(me, me, cycle)
    context["manages_managers"] = me.manages_managers()
    context["cycles"] = list(
        KeeperCycle.objects.filter(opens_at__lte=timezone.now())
        .only("id", "label")
        .order_by("-opens_at")[:8]
    )
    return render(request, "keeper/index.html", context)


@require_POST
def answer(request, test_id):
    test = access.get_keeper_test_for_user(request.user, test_id, write=True)
    card = Card(test, test.cycle, writable=True, viewer=request.user, data=request.POST)
    status = 200
    # A POST with none of this card's fields carries another test's (t<other id>-...):
    # refuse it rather than save this answer as blank.
    own = any(key.startswith(f"{card.form.prefix}-") for key in request.POST)
    if card.form.is_valid() and not own:
        card.form.add_error(None, "This form is not for this person's keeper test.")
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
            )
        except ActionRefused as exc:
            card.form.add_error(None, exc.message)
            status = 422
        else:
            card.test = test
            card.saved_at = timezone.now()
    else:
        status = 422
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


def _guidance_context(request, test, form=None) -> dict:
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
def guidance(request, test_id):
    test = access.get_keeper_test_for_user(request.user, test_id)
    return render(request, "keeper/guidance.html", _guidance_context(request, test))


@require_POST
def look_again(request, test_id):
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
                request, f"We will remind you on {form.cleaned_data['look_again_on']:%-d %B %Y}."
            )
            return redirect("keeper:guidance", test.pk)
    return render(
        request, "keeper/guidance.html", _guidance_context(request, test, form), status=422
    )


@require_http_methods(["GET", "POST"])
def ask(request):
    """The keeper prompt, for everyone; a private log only its owner sees."""
    me = access.require_active(request.user)
    form = PromptLogForm(request.POST or None, initial={"asked_on": clock.today()})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            prompt_services.do_log_prompt(person=me, **form.cleaned_data)
            messages.success(request, "Added to your private log.")
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
    return render(
        request,
        "keeper/ask.html",
        {"form": form, "entries": entries, "manager": me.manager, "shared": shared},
        status=status,
    )


@require_GET
def rollup(request):
    """Managers of managers: completion and answer counts for every manager under them."""
    me = access.require_active(request.user)
    if not (me.is_people_admin or me.manages_managers()):
        raise PermissionDenied
    cycle = _cycle_from(request)
    table = [] if cycle is None else KeeperTest.objects.rollup_for(me, cycle)
    if cycle is not None:
        audit.record(me, "keeper.rollup.read", detail={"cycle": cycle.label})
    return render(
        request,
        "keeper/rollup.html",
        {
            "cycle": cycle,
            "rows": table,
            "cycles": KeeperCycle.objects.only("id", "label").order_by("-opens_at")[:12],
        },
    )


@require_GET
def rollup_manager(request, person_id):
    """Drill down: one manager's answers, for the managers above them and people admins."""
    me = access.require_active(request.user)
    manager = access.get_keeper_rollup_manager_for_user(me, person_id)
    cycle = _cycle_from(request)
    context = _manager_context(me, manager, cycle)
    context.update({"manager": manager, "readonly": True})
    for card in context["cards"]:
        card.writable = False
    return render(request, "keeper/manager.html", context)


def _admin_context(viewer, policy_form=None, cycle=None) -> dict:
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
def admin(request):
    """People admins: company-wide completion by team and manager, cycles, settings."""
    access.require_people_admin(request.user)
    cycle = _cycle_from(request) if request.GET.get("cycle") else None
    return render(request, "keeper/admin.html", _admin_context(request.user, cycle=cycle))


@require_POST
def settings(request):
    access.require_people_admin(request.user)
    form = PolicyForm(request.POST)
    if form.is_valid():
        policy_services.do_update_policy(actor=request.user, cleaned=form.cleaned_data)
        messages.success(request, "Saved. The change applies from the next cycle.")
        return redirect("keeper:admin")
    return render(
        request, "keeper/admin.html", _admin_context(request.user, policy_form=form), status=422
    )


@require_GET
def export(request):
    """Completion as CSV; answers only when asked for (and then audited per person)."""
    access.require_people_admin(request.user)
    cycle = _cycle_from(request)
    with_answers = request.GET.get("answers") == "1"
    header = ["cycle", "team", "manager", "manager_email", "person", "person_email", "answered"]
    if with_answers:
        header += ["answer", "shared_with_employee"]
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
            answer = "" if t.report_id == request.user.pk else t.answer
            row += [answer, "yes" if t.shared_with_employee else "no"]
        rows.append(row)
    if with_answers:
        audit.record_many(
            request.user,
            "keeper.answer.read",
            [t.report for t in tests if t.answer and t.report_id != request.user.pk],
            detail={"cycle": cycle.label, "page": "export"},
        )
    else:
        audit.record(request.user, "keeper.completion.exported", detail={"cycle": cycle.label})
    return csv_response(f"keeper-{cycle.period_key}.csv", header, rows)
