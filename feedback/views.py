"""Circles (the live room) and written 360 feedback. Thin views: parse -> access gate ->
form -> one service call -> render."""

from __future__ import annotations

import asyncio
import contextlib
import time
from urllib.parse import urlencode

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import close_old_connections, connection
from django.http import HttpResponse, HttpResponseForbidden, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from culture import access, live
from culture.csvsafe import csv_response
from culture.models import Person
from feedback import forms, services
from feedback.models import (
    ActionItem,
    Campaign,
    Circle,
    CircleItem,
    Decision,
    FeedbackPolicy,
    FeedbackRequest,
    Kind,
    WrittenFeedback,
)
from feedback.room import room_context

FOUR_A = [
    ("Aim to assist", "Give it to help them, never to vent."),
    ("Actionable", "Say what they could do differently, with an example."),
    ("Appreciate", "When you receive: listen, thank, don't argue."),
    ("Accept or discard", "Acting on it is the recipient's choice."),
]


# --- Index ---------------------------------------------------------------------------------


@require_GET
def index(request):
    me = access._require_active(request.user)
    circles = list(Circle.objects.for_participant(me).select_related("facilitator")[:50])
    return render(
        request,
        "feedback/index.html",
        {
            "upcoming": [c for c in circles if c.phase != Circle.Phase.ENDED],
            "past": [c for c in circles if c.phase == Circle.Phase.ENDED],
            "actions": list(ActionItem.objects.open_for(me)[:20]),
        },
    )


@require_http_methods(["GET", "POST"])
def circle_new(request):
    me = access._require_active(request.user)
    form = forms.CircleForm(request.POST or None, initial={"facilitator": me.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            circle = services.do_create_circle(
                creator=me,
                title=data["title"],
                people=[me, *data["participants"]],
                facilitator=data["facilitator"],
                scheduled_at=data["scheduled_at"],
                minutes_per_person=data["minutes_per_person"],
                reveal_to=data["reveal_to"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Circle created; invitations are on their way.")
            return redirect(circle)
    status = 422 if request.method == "POST" else 200
    return render(request, "feedback/circle_new.html", {"form": form}, status=status)


# --- The room ------------------------------------------------------------------------------


def _render_room(request, circle, *, status=200, item_form=None, fragment=None):
    context = room_context(circle, request.user)
    context["item_form"] = item_form or forms.ItemForm()
    context["four_a"] = FOUR_A
    context["responses"] = services.RESPONSES
    template = "feedback/room.html"
    if fragment or request.htmx:
        template += "#state"
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def room(request, circle_id):
    circle = access.get_circle_for_user(request.user, circle_id)
    return _render_room(request, circle)


@require_GET
def room_state(request, circle_id):
    circle = access.get_circle_for_user(request.user, circle_id)
    return _render_room(request, circle, fragment=True)


def _after_post(request, circle_id, *, status=200, **kw):
    circle = access.get_circle_for_user(request.user, circle_id)
    if request.htmx:
        return _render_room(request, circle, status=status, fragment=True, **kw)
    if status != 200:
        return _render_room(request, circle, status=status, **kw)
    return redirect(circle)


@require_POST
def step(request, circle_id):
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
    elif data["action"] == "move":
        kw["person_id"] = data["person"]
        kw["up"] = data["direction"] == "up"
    elif data["action"] == "extend":
        kw["minutes"] = data["minutes"] or 2
    try:
        services.do_step(
            circle_id=circle.pk,
            actor=request.user,
            action=data["action"],
            expect=data["expect"],
            **kw,
        )
    except services.StepRefused as exc:
        messages.info(request, str(exc))
        return _after_post(request, circle.pk, status=409 if not request.htmx else 200)
    if data["action"] == "nudge":
        _notify_nudge(circle, data["person"])
    return _after_post(request, circle.pk)


def _notify_nudge(circle, person_id):
    from culture.notifications import notify

    person = Person.objects.filter(pk=person_id).first()
    if person is not None:
        notify(
            person,
            key=f"feedback:circle:{circle.pk}:nudge:{person_id}:{circle.current_position}",
            kind="feedback.nudge",
            title=f"Your circle “{circle.title}” is waiting for your feedback",
            url=circle.get_absolute_url(),
            email=False,
        )


@require_POST
def write_item(request, circle_id):
    circle = access.get_circle_for_user(request.user, circle_id)
    form = forms.ItemForm(request.POST)
    if form.is_valid():
        try:
            services.do_write_item(
                circle_id=circle.pk,
                author=request.user,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _after_post(request, circle.pk)
    return _after_post(request, circle.pk, status=422, item_form=form)


def _room_form_post(request, circle_id, form, action):
    """A small room form: invalid or refused by the service -> 422 with the reason as a
    message in the room; otherwise the room after the change."""
    if not form.is_valid():
        return _after_post(request, circle_id, status=422)
    try:
        action(form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return _after_post(request, circle_id, status=422)
    return _after_post(request, circle_id)


@require_POST
def respond(request, circle_id):
    circle = access.get_circle_for_user(request.user, circle_id)
    return _room_form_post(
        request,
        circle.pk,
        forms.RespondForm(request.POST),
        lambda data: services.do_respond(
            circle_id=circle.pk, person=request.user, response=data["response"]
        ),
    )


@require_POST
def decide_item(request, item_id):
    item = access.get_circle_item_for_recipient(request.user, item_id)
    return _room_form_post(
        request,
        item.circle_id,
        forms.DecideForm(request.POST),
        lambda data: services.do_decide_item(
            item=item, person=request.user, decision=data["decision"]
        ),
    )


@require_POST
def add_action(request, circle_id):
    circle = access.get_circle_for_user(request.user, circle_id)
    return _room_form_post(
        request,
        circle.pk,
        forms.ActionItemForm(request.POST),
        lambda data: services.do_add_action_item(
            circle_id=circle.pk, person=request.user, text=data["text"]
        ),
    )


@require_POST
def complete_action(request, action_id):
    action = access.get_action_item_for_owner(request.user, action_id)
    services.do_complete_action_item(action=action, person=request.user)
    return redirect("home" if request.POST.get("next") == "home" else "feedback:index")


@require_POST
def leave(request, circle_id):
    circle = access.get_circle_for_user(request.user, circle_id)
    try:
        services.do_leave(circle_id=circle.pk, person=request.user)
    except ValidationError:
        services.do_rejoin(circle_id=circle.pk, person=request.user)
    return _after_post(request, circle.pk)


# --- The live stream (server-sent events) ---------------------------------------------------

HEARTBEAT_SECONDS = 10


def _same_origin(request) -> bool:
    """EventSource requests from our own pages carry no Origin (same-origin GET) or our
    own; anything else (another site's page) is refused."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if not origin:
        return True
    own = f"{request.scheme}://{request.get_host()}"
    return origin == own or origin in settings.CSRF_TRUSTED_ORIGINS


def _stream_gate(user, circle_id):
    """The access check, in the request's own thread. Its database connection is then
    closed: a stream lives for hours and must not hold a Postgres connection meanwhile."""
    try:
        return access.get_circle_for_user(user, circle_id)
    finally:
        if not connection.in_atomic_block:  # tests wrap everything in a transaction
            connection.close()


def _pooled(fn):
    """Run `fn` on the shared thread pool (a few threads and connections for all streams),
    refreshing the thread's connection as a request would."""

    def run(*args, **kwargs):
        close_old_connections()
        try:
            return fn(*args, **kwargs)
        finally:
            close_old_connections()

    return sync_to_async(run, thread_sensitive=False)


def _version(circle_id):
    return Circle.objects.filter(pk=circle_id).values_list("version", "phase").first()


async def stream(request, circle_id):
    """One long-lived connection per browser. Events say only "changed, version V" (and,
    for an item written, the room's "N of M have written": `changed_data`); the browser
    then fetches its own fragment through the access gate."""
    if request.method != "GET":
        return HttpResponse(status=405)
    if not _same_origin(request):
        return HttpResponseForbidden("Cross-origin stream requests are refused.")
    user = await request.auser()
    if not user.is_authenticated or not user.is_active:
        return HttpResponseForbidden()
    db = sync_to_async(_stream_gate)
    circle = await db(user, circle_id)
    if circle.phase == Circle.Phase.ENDED:
        response = StreamingHttpResponse(
            _one(f"event: ended\ndata: {circle.version}\n\n"), content_type="text/event-stream"
        )
        response["Cache-Control"] = "no-store"
        return response
    if not await live.available():
        # Redis is down: the browser polls instead (and retries the stream later).
        return HttpResponse("live updates unavailable", status=503)
    response = StreamingHttpResponse(_events(circle, user), content_type="text/event-stream")
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"
    return response


def changed_data(event: dict, viewer_id: int) -> str:
    """The data of a "changed" event for one viewer: "V", or "V N/M" when the change to V
    was only someone else writing an item in this round, so that a browser still at V-1
    updates "N of M have written" in place instead of re-fetching the room (which 20
    people would otherwise all do for every item). N and M are what every viewer's
    fragment shows anyway; who wrote never leaves the server. The author (their own items
    changed) and the facilitator (who sees who has not written) get "V" and re-fetch."""
    version = int(event.get("version") or 0)
    if "written" not in event or viewer_id in (event.get("author"), event.get("facilitator")):
        return str(version)
    return f"{version} {int(event['written'])}/{int(event['expected'])}"


async def _one(text):
    yield text


async def _events(circle, user):
    touch = _pooled(services.touch_presence)
    version_of = _pooled(_version)
    async with live.subscribe(circle.channel) as sub:
        last_sent = circle.version
        try:
            await touch(circle_id=circle.pk, person=user)
            yield f"retry: 2000\nevent: changed\ndata: {last_sent}\n\n"
            last_beat = time.monotonic()
            while True:
                event = await sub.get(timeout=HEARTBEAT_SECONDS)
                if event and event.get("closed"):
                    yield "event: fallback\ndata: poll\n\n"
                    return
                if event:
                    version = event.get("version") or 0
                    if version > last_sent or version == 0:
                        last_sent = max(last_sent, version)
                        yield f"event: changed\ndata: {changed_data(event, user.pk)}\n\n"
                if time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
                    last_beat = time.monotonic()
                    await touch(circle_id=circle.pk, person=user)
                    row = await version_of(circle.pk)
                    if row is None or row[1] == Circle.Phase.ENDED:
                        yield "event: ended\ndata: 0\n\n"
                        return
                    if row[0] > last_sent:  # an event was lost: catch up from the database
                        last_sent = row[0]
                        yield f"event: changed\ndata: {row[0]}\n\n"
                    else:
                        yield ": ping\n\n"
        finally:
            # Presence expires by itself anyway; this makes "gone" show at once.
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.shield(touch(circle_id=circle.pk, person=user, here=False))


# --- Summary and exports -------------------------------------------------------------------


def _received(circle, person):
    return list(
        CircleItem.objects.filter(
            circle=circle, recipient=person, recipient_position__lte=circle.revealed_through
        )
        .select_related("author")
        .order_by("kind", "id")
    )


@require_GET
def summary(request, circle_id):
    circle = access.get_circle_for_user(request.user, circle_id)
    items = _received(circle, request.user)
    return render(
        request,
        "feedback/summary.html",
        {
            "circle": circle,
            "items": items,
            "accepted": [i for i in items if i.decision == Decision.ACCEPTED],
            "discarded": [i for i in items if i.decision == Decision.DISCARDED],
            "pending": [i for i in items if i.decision == Decision.PENDING],
            "actions": list(
                ActionItem.objects.filter(circle=circle, owner=request.user).order_by("id")
            ),
        },
    )


def summary_markdown_text(circle, person, items, actions) -> str:
    def esc(text):
        return text.replace("\r", "").replace("\n", " ")

    lines = [f"# {esc(circle.title)}: feedback for {esc(person.name)}", ""]
    lines.append(f"{circle.scheduled_at:%Y-%m-%d}")
    for label, value in (
        ("Accepted", "accepted"),
        ("Discarded", "discarded"),
        ("Not decided", "pending"),
    ):
        chosen = [i for i in items if i.decision == value]
        if chosen:
            lines += ["", f"## {label}", ""]
            lines += [
                f"- **{i.get_kind_display()}**: {esc(i.text)} ({esc(i.author.name)})"
                for i in chosen
            ]
    if actions:
        lines += ["", "## Action items", ""]
        lines += [f"- [{'x' if a.done else ' '}] {esc(a.text)}" for a in actions]
    return "\n".join(lines) + "\n"


@require_GET
def summary_markdown(request, circle_id):
    circle = access.get_circle_for_user(request.user, circle_id)
    items = _received(circle, request.user)
    actions = list(ActionItem.objects.filter(circle=circle, owner=request.user).order_by("id"))
    response = HttpResponse(
        summary_markdown_text(circle, request.user, items, actions),
        content_type="text/markdown; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="circle-{circle.pk}.md"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def summary_csv(request, circle_id):
    circle = access.get_circle_for_user(request.user, circle_id)
    items = _received(circle, request.user)
    rows = [(i.get_kind_display(), i.text, i.author.name, i.get_decision_display()) for i in items]
    return csv_response(f"circle-{circle.pk}.csv", ["kind", "feedback", "from", "decision"], rows)


# --- Written 360 ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def write(request):
    me = access._require_active(request.user)
    initial = {}
    request_obj = None
    if request.GET.get("to"):
        initial["recipient"] = request.GET.get("to")
    if request.GET.get("request"):
        initial["request"] = request.GET.get("request")
        request_obj = (
            FeedbackRequest.objects.filter(pk=request.GET["request"], asked=me)
            .select_related("requester")
            .first()
            if request.GET["request"].isdigit()
            else None
        )
    form = forms.WriteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.do_write_feedback(
                author=me,
                recipient=data["recipient"],
                kind=data["kind"],
                text=data["text"],
                request_id=data.get("request"),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Sent to {data['recipient'].name}, signed by you.")
            return redirect("feedback:given")
    campaign = Campaign.current()
    written_in_campaign = None
    if campaign:
        written_in_campaign = (
            WrittenFeedback.objects.filter(author=me, campaign=campaign)
            .values("recipient")
            .distinct()
            .count()
        )
    return render(
        request,
        "feedback/write.html",
        {
            "form": form,
            "four_a": FOUR_A,
            "campaign": campaign,
            "written_in_campaign": written_in_campaign,
            "request_obj": request_obj,
        },
        status=422 if request.method == "POST" else 200,
    )


INBOX_PAGE_SIZE = 25


def _inbox_filters(params) -> dict:
    """The inbox's filters and page from a query string, valid values only (so they can be
    carried through a decision and back)."""
    kind = params.get("kind", "")
    decision = params.get("decision", "")
    page = params.get("page", "")
    return {
        "kind": kind if kind in Kind.values else "",
        "decision": decision if decision in Decision.values else "",
        "page": page if page.isdigit() else "",
    }


def _inbox_query(filters: dict, *, page=None) -> str:
    chosen = {**filters, "page": filters["page"] if page is None else page}
    return urlencode({k: v for k, v in chosen.items() if v})


@require_GET
def inbox(request):
    me = access._require_active(request.user)
    filters = _inbox_filters(request.GET)
    items = WrittenFeedback.objects.received_by(me)
    if filters["kind"]:
        items = items.filter(kind=filters["kind"])
    if filters["decision"]:
        items = items.filter(decision=filters["decision"])
    page = Paginator(items, INBOX_PAGE_SIZE).get_page(filters["page"])
    page_filters = {**filters, "page": str(page.number) if page.number > 1 else ""}
    context = {
        "page": page,
        "items": page.object_list,
        "kind": filters["kind"],
        "decision": filters["decision"],
        # Where a decision comes back to: the same filters and page.
        "here_query": _inbox_query(page_filters),
        "previous_query": _inbox_query(filters, page=page.previous_page_number())
        if page.has_previous()
        else None,
        "next_query": _inbox_query(filters, page=page.next_page_number())
        if page.has_next()
        else None,
    }
    if request.htmx and request.htmx.target == "inbox-results":
        return render(request, "feedback/inbox.html#results", context)
    asks = FeedbackRequest.objects.filter(asked=me, answered_at__isnull=True).select_related(
        "requester"
    )
    context.update(kinds=Kind.choices, decisions=Decision.choices, asks=list(asks[:50]))
    return render(request, "feedback/inbox.html", context)


@require_GET
def given(request):
    me = access._require_active(request.user)
    return render(
        request,
        "feedback/given.html",
        {"items": list(WrittenFeedback.objects.given_by(me)[:200])},
    )


@require_POST
def decide_written(request, feedback_id):
    feedback = access.get_written_feedback_for_recipient(request.user, feedback_id)
    form = forms.DecideForm(request.POST)
    if form.is_valid():
        services.do_decide_written(
            feedback=feedback, person=request.user, decision=form.cleaned_data["decision"]
        )
        # Back to the same filters and page of the inbox.
        query = _inbox_query(_inbox_filters(request.GET))
        return redirect(reverse("feedback:inbox") + (f"?{query}" if query else ""))
    return HttpResponse("Accept or discard.", status=422)


@require_http_methods(["GET", "POST"])
def ask(request):
    me = access._require_active(request.user)
    form = forms.AskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_request_feedback(
                requester=me,
                asked=list(form.cleaned_data["people"]),
                question=form.cleaned_data["question"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Asked. They will be reminded after 3 days.")
            return redirect("feedback:index")
    return render(
        request,
        "feedback/ask.html",
        {"form": form},
        status=422 if request.method == "POST" else 200,
    )


@require_GET
def person_received(request, person_id):
    person = access.get_feedback_reader_for_user(request.user, person_id)
    items = list(WrittenFeedback.objects.received_by(person)[:200])
    if person.pk != request.user.pk:
        from culture import audit

        audit.record(request.user, "feedback.written.read", subject=person)
    return render(request, "feedback/person_received.html", {"person": person, "items": items})


@require_http_methods(["GET", "POST"])
def admin_settings(request):
    me = access.require_people_admin(request.user)
    policy = FeedbackPolicy.load()
    form = forms.PolicyForm(
        request.POST or None, initial={"chain_may_read": policy.chain_may_read}, prefix="policy"
    )
    campaign_form = forms.CampaignForm(request.POST or None, prefix="campaign")
    status = 200
    if request.method == "POST":
        if request.POST.get("which") == "campaign":
            if campaign_form.is_valid():
                services.do_open_campaign(actor=me, **campaign_form.cleaned_data)
                messages.success(request, "Campaign opened.")
                return redirect("feedback:admin_settings")
            status = 422
            form = forms.PolicyForm(
                initial={"chain_may_read": policy.chain_may_read}, prefix="policy"
            )
        else:
            if form.is_valid():
                services.do_set_policy(actor=me, chain_may_read=form.cleaned_data["chain_may_read"])
                messages.success(request, "Saved.")
                return redirect("feedback:admin_settings")
            status = 422
            campaign_form = forms.CampaignForm(prefix="campaign")
    campaigns = list(Campaign.objects.order_by("-opens_on")[:10])
    return render(
        request,
        "feedback/admin_settings.html",
        {"form": form, "campaign_form": campaign_form, "campaigns": campaigns},
        status=status,
    )
