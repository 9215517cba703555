from django.urls import reverse

from tests.matrix import ADMIN_ONLY, case


def _open(w):
    from keeper.models import KeeperTest
    from tests.keeper.helpers import keeper_test_of, open_cycle_now, write_note

    cycle = open_cycle_now()
    test = keeper_test_of(cycle, w.employee)
    KeeperTest.objects.filter(pk=test.pk).update(answer="no")
    write_note(test, text="secret note")
    return {"cycle": cycle, "test": test}


def _answer_data(w, x):
    return {f"t{x['test'].pk}-answer": "yes", f"t{x['test'].pk}-notes": "valued"}


def _policy_data(w, x):
    data = {
        "cadence": 3,
        "opening_month": 1,
        "opening_hour": 9,
        "due_days": 14,
        "wording": "classic",
    }
    data.update({f"level_{n}": 4 for n in range(1, 10)})
    return data


CASES = {
    "keeper:index": case(lambda w, x: reverse("keeper:index"), setup=_open),
    # Only the report's current manager answers; readers who may not write get 403, the
    # rest of the company 404 (they may not know the test exists).
    "keeper:answer": case(
        lambda w, x: reverse("keeper:answer", args=[x["test"].pk]),
        method="post",
        data=_answer_data,
        headers={"HX-Request": "true"},
        setup=_open,
        default=404,
        manager=200,
        skip_level=403,
        people_admin=403,
    ),
    "keeper:guidance": case(
        lambda w, x: reverse("keeper:guidance", args=[x["test"].pk]),
        setup=_open,
        default=404,
        manager=200,
        skip_level=200,
        people_admin=200,
    ),
    "keeper:look_again": case(
        lambda w, x: reverse("keeper:look_again", args=[x["test"].pk]),
        method="post",
        data=lambda w, x: {"look_again_on": "2099-01-01"},
        setup=_open,
        default=404,
        manager=302,
        skip_level=403,
        people_admin=403,
    ),
    "keeper:ask": case(lambda w, x: reverse("keeper:ask")),
    "keeper:ask#post": case(
        lambda w, x: reverse("keeper:ask"),
        method="post",
        data=lambda w, x: {"asked_on": "2026-01-05", "heard": "fight", "note": ""},
        default=302,
    ),
    "keeper:rollup": case(
        lambda w, x: reverse("keeper:rollup"),
        setup=_open,
        default=403,
        skip_level=200,
        people_admin=200,
    ),
    "keeper:rollup_manager": case(
        lambda w, x: reverse("keeper:rollup_manager", args=[w.manager.pk]),
        setup=_open,
        default=404,
        manager=200,
        skip_level=200,
        people_admin=200,
    ),
    "keeper:admin": case(
        lambda w, x: reverse("keeper:admin"), setup=_open, default=403, **ADMIN_ONLY
    ),
    "keeper:settings": case(
        lambda w, x: reverse("keeper:settings"),
        method="post",
        data=_policy_data,
        default=403,
        people_admin=302,
    ),
    "keeper:export": case(
        lambda w, x: reverse("keeper:export"), setup=_open, default=403, **ADMIN_ONLY
    ),
}
