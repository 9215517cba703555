"""Every feedback URL x every persona. The circle in these cases is the manager's (who
facilitates), with the employee and the peer; everybody else is outside it."""

from django.urls import reverse

from tests.matrix import case

IN_CIRCLE = {"manager": 200, "employee": 200, "peer": 200}


def _circle(w, *, start=False, reveal=False, end=False):
    from tests.feedback.factories import make_circle, step, write

    circle = make_circle(facilitator=w.manager, people=[w.employee, w.peer])
    item = None
    if start or reveal or end:
        step(circle, w.manager, "start")
        item = write(circle, w.employee, "Start sharing plans earlier")
    if reveal or end:
        step(circle, w.manager, "reveal")
    if end:
        step(circle, w.manager, "end")
    return {"circle": circle, "item": item}


def lobby(w):
    return _circle(w)


def started(w):
    return _circle(w, start=True)


def revealed(w):
    return _circle(w, reveal=True)


def ended(w):
    return _circle(w, end=True)


def action(w):
    from feedback.models import ActionItem

    x = _circle(w, reveal=True)
    x["action"] = ActionItem.objects.create(circle=x["circle"], owner=w.manager, text="Delegate")
    return x


def written(w):
    from feedback.models import WrittenFeedback

    return {
        "fb": WrittenFeedback.objects.create(
            author=w.peer, recipient=w.employee, kind="start", text="Start asking"
        )
    }


def chain_may_read(w):
    from feedback.models import FeedbackPolicy

    FeedbackPolicy.objects.update_or_create(pk=1, defaults={"chain_may_read": True})
    return written(w)


def _c(name):
    return lambda w, x: reverse(f"feedback:{name}", args=[x["circle"].pk])


CASES = {
    "feedback:index": case(lambda w, x: reverse("feedback:index")),
    "feedback:circle_new": case(lambda w, x: reverse("feedback:circle_new")),
    "feedback:room": case(_c("room"), setup=lobby, default=404, **IN_CIRCLE),
    "feedback:room_state": case(_c("room_state"), setup=lobby, default=404, **IN_CIRCLE),
    # Moving and cancelling: the creator and the facilitator (the manager here) only.
    "feedback:reschedule": case(
        _c("reschedule"), setup=lobby, default=404, manager=200, employee=403, peer=403
    ),
    "feedback:cancel": case(
        _c("cancel"), setup=lobby, default=404, manager=200, employee=403, peer=403
    ),
    # An ended circle's stream sends one "ended" event and closes (a live one never ends).
    "feedback:stream": case(_c("stream"), setup=ended, default=404, **IN_CIRCLE),
    "feedback:step": case(
        _c("step"),
        method="post",
        data=lambda w, x: {"action": "start"},
        setup=lobby,
        default=404,
        manager=302,
        employee=403,
        peer=403,
    ),
    "feedback:write_item": case(
        _c("write_item"),
        method="post",
        data=lambda w, x: {"kind": "start", "text": "Start earlier"},
        setup=started,
        default=404,
        manager=422,  # in the centre: cannot write for themselves
        employee=302,
        peer=302,
    ),
    "feedback:respond": case(
        _c("respond"),
        method="post",
        data=lambda w, x: {"response": "Thank you"},
        setup=revealed,
        default=404,
        manager=302,
        employee=422,
        peer=422,
    ),
    "feedback:add_action": case(
        _c("add_action"),
        method="post",
        data=lambda w, x: {"text": "Delegate more"},
        setup=revealed,
        default=404,
        manager=302,
        employee=422,
        peer=422,
    ),
    "feedback:leave": case(
        _c("leave"),
        method="post",
        setup=lobby,
        default=404,
        manager=302,
        employee=302,
        peer=302,
    ),
    "feedback:summary": case(_c("summary"), setup=ended, default=404, **IN_CIRCLE),
    "feedback:summary_md": case(_c("summary_md"), setup=ended, default=404, **IN_CIRCLE),
    "feedback:summary_csv": case(_c("summary_csv"), setup=ended, default=404, **IN_CIRCLE),
    "feedback:decide_item": case(
        lambda w, x: reverse("feedback:decide_item", args=[x["item"].pk]),
        method="post",
        data=lambda w, x: {"decision": "accepted"},
        setup=revealed,
        default=404,
        manager=302,
    ),
    "feedback:complete_action": case(
        lambda w, x: reverse("feedback:complete_action", args=[x["action"].pk]),
        method="post",
        setup=action,
        default=404,
        manager=302,
    ),
    "feedback:write": case(lambda w, x: reverse("feedback:write")),
    "feedback:inbox": case(lambda w, x: reverse("feedback:inbox")),
    "feedback:given": case(lambda w, x: reverse("feedback:given")),
    "feedback:ask": case(lambda w, x: reverse("feedback:ask")),
    "feedback:decide_written": case(
        lambda w, x: reverse("feedback:decide_written", args=[x["fb"].pk]),
        method="post",
        data=lambda w, x: {"decision": "accepted"},
        setup=written,
        default=404,
        employee=302,
    ),
    # The company setting is off by default: only the person themselves.
    "feedback:person_received": case(
        lambda w, x: reverse("feedback:person_received", args=[w.employee.pk]),
        default=404,
        employee=200,
    ),
    # With the setting on, the employee's management chain and people admins too.
    "feedback:person_received#chain_may_read": case(
        lambda w, x: reverse("feedback:person_received", args=[w.employee.pk]),
        setup=chain_may_read,
        default=404,
        employee=200,
        manager=200,
        skip_level=200,
        people_admin=200,
    ),
    # A team's cadence: the team's managers (who directly manage an active member: the
    # manager, and the director who manages the manager) and people admins; else 404.
    "feedback:cadence": case(
        lambda w, x: reverse("feedback:cadence", args=[w.team.slug]),
        default=404,
        manager=200,
        skip_level=200,
        people_admin=200,
    ),
    "feedback:cadence#post": case(
        lambda w, x: reverse("feedback:cadence", args=[w.team.slug]),
        method="post",
        data=lambda w, x: {"per_year": "4"},
        default=404,
        manager=302,
        skip_level=302,
        people_admin=302,
    ),
    "feedback:admin_settings": case(
        lambda w, x: reverse("feedback:admin_settings"), default=403, people_admin=200
    ),
}
