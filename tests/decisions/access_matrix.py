"""Every decisions URL x every persona. The employee captains the memos; the peer is named
on the confidential one. Drafts and confidential memos are 404 to everyone not named
(people admins included); other readers of a published memo get 403 on captain-only pages."""

from django.urls import reverse

from tests.matrix import case


def _memos(w):
    from decisions.models import Memo
    from tests.decisions.conftest import make_memo

    return {
        "open": make_memo(captain=w.employee, teams=[w.team]),
        "draft": make_memo(captain=w.employee, state=Memo.State.DRAFT),
        "secret": make_memo(captain=w.employee, confidential=True, readers=[w.peer]),
        "decided": make_memo(captain=w.employee, state=Memo.State.DECIDED),
    }


def _memo_url(name, kind="open", *args):
    return lambda w, x: reverse(f"decisions:{name}", args=[x[kind].pk, *args])


RATE = {"score": "3", "reason": "I think this is worth a try."}
MANAGERS = {"manager": 200, "skip_level": 200, "other_manager": 200}

CASES = {
    "decisions:index": case(lambda w, x: reverse("decisions:index")),
    "decisions:new": case(lambda w, x: reverse("decisions:new")),
    "decisions:preview": case(
        lambda w, x: reverse("decisions:preview"), method="post", data=lambda w, x: {"body": "*hi*"}
    ),
    "decisions:reviews": case(lambda w, x: reverse("decisions:reviews"), default=403, **MANAGERS),
    "decisions:reviews#open": case(
        lambda w, x: reverse("decisions:reviews"),
        method="post",
        default=403,
        manager=302,
        skip_level=302,
        other_manager=302,
    ),
    "decisions:person_ledger": case(
        lambda w, x: reverse("decisions:person_ledger", args=[w.employee.pk]), setup=_memos
    ),
    "decisions:person_ledger#inactive": case(
        lambda w, x: reverse("decisions:person_ledger", args=[w.inactive.pk]),
        default=404,
        people_admin=200,
    ),
    "decisions:team_ledger": case(
        lambda w, x: reverse("decisions:team_ledger", args=["platform"]), setup=_memos
    ),
    "decisions:memo": case(_memo_url("memo"), setup=_memos),
    "decisions:memo#draft": case(
        _memo_url("memo", "draft"), setup=_memos, default=404, employee=200
    ),
    "decisions:memo#confidential": case(
        _memo_url("memo", "secret"), setup=_memos, default=404, employee=200, peer=200
    ),
    "decisions:edit": case(_memo_url("edit"), setup=_memos, default=403, employee=200),
    "decisions:edit#draft": case(
        _memo_url("edit", "draft"), setup=_memos, default=404, employee=200
    ),
    "decisions:rate": case(
        _memo_url("rate"), setup=_memos, method="post", data=lambda w, x: RATE, default=302
    ),
    "decisions:rate#confidential": case(
        _memo_url("rate", "secret"),
        setup=_memos,
        method="post",
        data=lambda w, x: RATE,
        default=404,
        employee=302,
        peer=302,
    ),
    "decisions:rate#draft": case(
        _memo_url("rate", "draft"),
        setup=_memos,
        method="post",
        data=lambda w, x: RATE,
        default=404,
        employee=422,
    ),
    "decisions:comment": case(
        _memo_url("comment"),
        setup=_memos,
        method="post",
        data=lambda w, x: {"body": "What about costs?"},
        default=302,
    ),
    "decisions:comment#confidential": case(
        _memo_url("comment", "secret"),
        setup=_memos,
        method="post",
        data=lambda w, x: {"body": "What about costs?"},
        default=404,
        employee=302,
        peer=302,
    ),
    "decisions:revisit": case(
        _memo_url("revisit", "decided"),
        setup=_memos,
        method="post",
        data=lambda w, x: {"new_information": "A competitor just shipped this."},
        default=302,
    ),
    "decisions:hand_over": case(
        _memo_url("hand_over"),
        setup=_memos,
        method="post",
        data=lambda w, x: {"email": "nobody@example.test"},
        default=403,
        employee=422,
    ),
    "decisions:hand_over#draft": case(
        _memo_url("hand_over", "draft"),
        setup=_memos,
        method="post",
        data=lambda w, x: {"email": "nobody@example.test"},
        default=404,
        employee=422,
    ),
    "decisions:invite": case(
        _memo_url("invite"),
        setup=_memos,
        method="post",
        data=lambda w, x: {"people": w.peer.email},
        default=403,
        employee=302,
    ),
    "decisions:step": case(
        _memo_url("step", "open", "decide"), setup=_memos, default=403, employee=200
    ),
    "decisions:step#draft": case(
        _memo_url("step", "draft", "publish"), setup=_memos, default=404, employee=200
    ),
    "decisions:step#confidential": case(
        _memo_url("step", "secret", "test"), setup=_memos, default=404, employee=200, peer=403
    ),
    "decisions:step#post": case(
        _memo_url("step", "open", "decide"),
        setup=_memos,
        method="post",
        data=lambda w, x: {},
        default=403,
        employee=422,
    ),
}
