"""Circles: the list, a new circle, and the live room with everything done in it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from culture import ratelimit
from culture.errors import ActionRefused
from culture.http import AuthedHttpRequest
from culture.i18n import as_reader
from culture.models import Person
from culture.notifications import notify
from feedback import access, forms
from feedback.models import ActionItem, Circle
from feedback.room import room_context
from feedback.services import circle as circle_services
from feedback.views import FOUR_A
from feedback.views.cadence import manager_context
from feedback.views.summary import render_summary

# --- Index ---------------------------------------------------------------------------------

FINISHED = (Circle.Phase.ENDED, Circle.Phase.CANCELLED)


@require_GET
def index(request: AuthedHttpRequest) -> HttpResponse:
    me = access.require_active(request.user)
    circles = list(Circle.objects.for_participant(me).select_related("facilitator")[:50])
    return render(
        request,
        "feedback/index.html",
        {
            "upcoming": [c for c in circles if c.phase not in FINISHED],
            "past": [c for c in circles if c.phase in FINISHED],
            "actions": list(ActionItem.objects.open_for(me)[:20]),
            **manager_context(me),
        },
    )


@require_http_methods(["GET", "POST"])
def circle_new(request: AuthedHttpRequest) -> HttpResponse:
    me = access.require_active(request.user)
    form = forms.CircleForm(request.POST or None, initial={"facilitator": me.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        invited = [*data["participants"], data["facilitator"]]
        ratelimit.check(request, "circle", to=[p for p in invited if p and p.pk != me.pk])
        try:
            circle = circle_services.do_create_circle(
                creator=me,
                title=data["title"],
                people=[me, *data["participants"]],
                facilitator=data["facilitator"],
                scheduled_at=data["scheduled_at"],
                minutes_per_person=data["minutes_per_person"],
                reveal_to=data["reveal_to"],
            )
        except ActionRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Circle created; invitations are on their way."))
            return redirect(circle)
    status = 422 if request.method == "POST" else 200
    return render(request, "feedback/circle_new.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def reschedule(request: AuthedHttpRequest, circle_id: int) -> HttpResponse:
    circle = access.get_circle_for_user(request.user, circle_id, organiser=True)
    initial = {"scheduled_at": circle.scheduled_at, "minutes_per_person": circle.minutes_per_person}
    form = forms.RescheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        # Everyone in the circle gets the updated invitation.
        others = circle.participants.exclude(person=request.user).values_list("person", flat=True)
        ratelimit.check(request, "reschedule", to=list(others))
        try:
            circle_services.do_reschedule_circle(
                circle_id=circle.pk,
                by=request.user,
                scheduled_at=form.cleaned_data["scheduled_at"],
                minutes_per_person=form.cleaned_data["minutes_per_person"],
            )
        except ActionRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Circle moved; everyone gets the updated invitation."))
            return redirect(circle)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "feedback/circle_reschedule.html", {"circle": circle, "form": form}, status=status
    )


@require_http_methods(["GET", "POST"])
def cancel(request: AuthedHttpRequest, circle_id: int) -> HttpResponse:
    circle = access.get_circle_for_user(request.user, circle_id, organiser=True)
    error = ""
    if request.method == "POST":
        try:
            circle_services.do_cancel_circle(circle_id=circle.pk, by=request.user)
        except ActionRefused as exc:
            error = exc.message
        else:
            messages.success(request, _("Circle cancelled; everyone invited is told."))
            return redirect(circle)
    status = 422 if error else 200
    return render(
        request, "feedback/circle_cancel.html", {"circle": circle, "error": error}, status=status
    )


# --- The room ------------------------------------------------------------------------------


def _render_room(
    request: AuthedHttpRequest,
    circle: Circle,
    *,
    status: int = 200,
    item_form: forms.ItemForm | None = None,
    fragment: bool | None = None,
) -> HttpResponse:
    context = room_context(circle, request.user)
    context["item_form"] = item_form or forms.ItemForm()
    context["four_a"] = FOUR_A
    context["responses"] = circle_services.RESPONSES
    context["response_labels"] = circle_services.RESPONSE_LABELS
    template = "feedback/room.html"
    if fragment or request.htmx:
        template = "feedback/room_state.html"  # the #state fragment alone
    else:
        context["can_reschedule"] = circle.phase == Circle.Phase.LOBBY and request.user.pk in (
            circle.created_by_id,
            circle.facilitator_id,
        )
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def room(request: AuthedHttpRequest, circle_id: int) -> HttpResponse:
    circle = access.get_circle_for_user(request.user, circle_id)
    return _render_room(request, circle)


@require_GET
def room_state(request: AuthedHttpRequest, circle_id: int) -> HttpResponse:
    circle = access.get_circle_for_user(request.user, circle_id)
    return _render_room(request, circle, fragment=True)


def _after_post(
    request: AuthedHttpRequest, circle_id: int, *, status: int = 200, **kw: Any
) -> HttpResponse:
    circle = access.get_circle_for_user(request.user, circle_id)
    if request.htmx:
        return _render_room(request, circle, status=status, fragment=True, **kw)
    if status != 200:
        return _render_room(request, circle, status=status, **kw)
    return redirect(circle)


@require_POST
def step(request: AuthedHttpRequest, circle_id: int) -> HttpResponse:
    circle = access.get_circle_for_user(request.user, circle_id, facilitator=True)
    form = forms.StepForm(request.POST)
    if not form.is_valid():
        return _after_post(request, circle.pk, status=422)
    data = form.cleaned_data
    kw = {}
    if data["action"] == "handover":
        kw["to_person_id"] = data["person"]
    elif data["action"] == "nudge":
        kw["person_id"] = data["person"]
        ratelimit.check(request, "nudge", to=[data["person"]] if data["person"] else [])
    elif data["action"] == "move":
        kw["person_id"] = data["person"]
        kw["up"] = data["direction"] == "up"
    elif data["action"] == "extend":
        kw["minutes"] = data["minutes"] or 2
    try:
        circle_services.do_step(
            circle_id=circle.pk,
            actor=request.user,
            action=data["action"],
            expect=data["expect"],
            **kw,
        )
    except ActionRefused as exc:
        messages.info(request, exc.message)
        # htmx swaps the room state in place (200); a full page says 409 (a Conflict).
        return _after_post(request, circle.pk, status=exc.status if not request.htmx else 200)
    if data["action"] == "nudge":
        _notify_nudge(circle, data["person"])
    return _after_post(request, circle.pk)


def _notify_nudge(circle: Circle, person_id: int) -> None:
    """The nudge goes where the person chose (email, Slack, Teams or the app), like every
    other message. Its key names the circle, the person and the minute: a double click sends
    one, a second nudge minutes later another."""
    person = Person.objects.filter(pk=person_id).first()
    if person is not None:
        minute = timezone.now().strftime("%Y%m%d%H%M")
        with as_reader(person):
            title = _("Your circle “%(title)s” is waiting for your feedback") % {
                "title": circle.title
            }
        notify(
            person,
            key=f"feedback:circle:{circle.pk}:nudge:{person_id}:{minute}",
            kind="feedback.nudge",
            title=title,
            url=circle.get_absolute_url(),
            urgent=True,
        )


@require_POST
def write_item(request: AuthedHttpRequest, circle_id: int) -> HttpResponse:
    circle = access.get_circle_for_user(request.user, circle_id)
    form = forms.ItemForm(request.POST)
    if form.is_valid():
        try:
            circle_services.do_write_item(
                circle_id=circle.pk,
                author=request.user,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
            )
        except ActionRefused as exc:
            form.add_error(None, exc.message)
        else:
            return _after_post(request, circle.pk)
    return _after_post(request, circle.pk, status=422, item_form=form)


def _room_form_post(
    request: AuthedHttpRequest,
    circle_id: int,
    form: django_forms.Form,
    action: Callable[[dict[str, Any]], object],
) -> HttpResponse:
    """A small room form: invalid or refused by the service -> 422 with the reason as a
    message in the room; otherwise the room after the change. Sent from the summary page
    (next=summary: deciding and adding action items go on there after the end), the
    summary comes back instead of the room."""
    from_summary = request.POST.get("next") == "summary" and not request.htmx
    if not form.is_valid():
        if from_summary:
            messages.error(request, _("Write the action item, or choose accept or discard."))
        return _back(request, circle_id, from_summary, status=422)
    try:
        action(form.cleaned_data)
    except ActionRefused as exc:
        messages.error(request, exc.message)
        return _back(request, circle_id, from_summary, status=422)
    if from_summary:
        return redirect("feedback:summary", circle_id)
    return _after_post(request, circle_id)


def _back(
    request: AuthedHttpRequest, circle_id: int, from_summary: bool, *, status: int
) -> HttpResponse:
    if from_summary:
        circle = access.get_circle_for_user(request.user, circle_id)
        return render_summary(request, circle, status=status)
    return _after_post(request, circle_id, status=status)


@require_POST
def respond(request: AuthedHttpRequest, circle_id: int) -> HttpResponse:
    circle = access.get_circle_for_user(request.user, circle_id)
    return _room_form_post(
        request,
        circle.pk,
        forms.RespondForm(request.POST),
        lambda data: circle_services.do_respond(
            circle_id=circle.pk, person=request.user, response=data["response"]
        ),
    )


@require_POST
def decide_item(request: AuthedHttpRequest, item_id: int) -> HttpResponse:
    item = access.get_circle_item_for_recipient(request.user, item_id)
    return _room_form_post(
        request,
        item.circle_id,
        forms.DecideForm(request.POST),
        lambda data: circle_services.do_decide_item(
            item=item, person=request.user, decision=data["decision"]
        ),
    )


@require_POST
def add_action(request: AuthedHttpRequest, circle_id: int) -> HttpResponse:
    circle = access.get_circle_for_user(request.user, circle_id)
    return _room_form_post(
        request,
        circle.pk,
        forms.ActionItemForm(request.POST),
        lambda data: circle_services.do_add_action_item(
            circle_id=circle.pk, person=request.user, text=data["text"]
        ),
    )


@require_POST
def complete_action(request: AuthedHttpRequest, action_id: int) -> HttpResponse:
    """Check an action item off: from the list, the home page, or the room of the circle
    it was carried to (`circle`: the room comes back, and the others see it go)."""
    action = access.get_action_item_for_owner(request.user, action_id)
    room_id = request.POST.get("circle", "")
    circle = access.get_circle_for_user(request.user, room_id) if room_id else None
    circle_services.do_complete_action_item(
        action=action, person=request.user, circle_id=circle.pk if circle else None
    )
    if circle is not None:
        return _after_post(request, circle.pk)
    return redirect("home" if request.POST.get("next") == "home" else "feedback:index")


@require_POST
def leave(request: AuthedHttpRequest, circle_id: int) -> HttpResponse:
    circle = access.get_circle_for_user(request.user, circle_id)
    try:
        try:
            circle_services.do_leave(circle_id=circle.pk, person=request.user)
        except ActionRefused:
            circle_services.do_rejoin(circle_id=circle.pk, person=request.user)
    except ActionRefused as exc:  # neither, once the circle has ended
        messages.error(request, exc.message)
        return _after_post(request, circle.pk, status=422)
    return _after_post(request, circle.pk)
