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


def _post_exit(w, *, shared=False):
    from django.utils import timezone

    from keeper.models import PostExit

    # Idempotent: the a11y sweep runs every case's setup in one world.
    post_exit, _ = PostExit.objects.update_or_create(
        person=w.inactive,
        left_on=w.inactive.left_on or timezone.now().date(),
        defaults={
            "manager": w.manager,
            "what_happened": "They moved abroad.",
            "notes": "secret exit notes",
            "shared_at": timezone.now() if shared else None,
        },
    )
    return {"post_exit": post_exit}


# The post-exit Q&A's notes: the former manager, the managers above them, people admins.
_POST_EXIT_READERS = {"manager": 200, "skip_level": 200, "people_admin": 200}


CASES = {
    "keeper:compact": case(lambda w, x: reverse("keeper:compact"), setup=_open),
    "keeper:post_exits": case(lambda w, x: reverse("keeper:post_exits"), setup=_post_exit),
    "keeper:post_exit": case(
        lambda w, x: reverse("keeper:post_exit", args=[x["post_exit"].pk]),
        setup=_post_exit,
        default=404,
        **_POST_EXIT_READERS,
    ),
    # Only the former manager prepares it; their chain and people admins read, 403.
    "keeper:post_exit#post": case(
        lambda w, x: reverse("keeper:post_exit", args=[x["post_exit"].pk]),
        method="post",
        data=lambda w, x: {"what_happened": "They left for a new role.", "notes": ""},
        setup=_post_exit,
        default=404,
        manager=302,
        skip_level=403,
        people_admin=403,
    ),
    "keeper:post_exit_held": case(
        lambda w, x: reverse("keeper:post_exit_held", args=[x["post_exit"].pk]),
        method="post",
        data=lambda w, x: {"held_on": x["post_exit"].left_on.isoformat()},
        setup=_post_exit,
        default=404,
        manager=302,
        skip_level=403,
        people_admin=403,
    ),
    "keeper:post_exit_share": case(
        lambda w, x: reverse("keeper:post_exit_share", args=[x["post_exit"].pk]),
        method="post",
        data=lambda w, x: {"shared": "on"},
        setup=_post_exit,
        default=404,
        manager=302,
        skip_level=403,
        people_admin=403,
    ),
    # Shared notes: the team (the former manager's reports) too.
    "keeper:post_exit_shared": case(
        lambda w, x: reverse("keeper:post_exit_shared", args=[x["post_exit"].pk]),
        setup=lambda w: _post_exit(w, shared=True),
        default=404,
        employee=200,
        peer=200,
        **_POST_EXIT_READERS,
    ),
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
    # Reminding a manager: the rollup's readers, for a manager under them (302 back to the
    # rollup, also when already reminded today); nobody else.
    "keeper:rollup_remind": case(
        lambda w, x: reverse("keeper:rollup_remind", args=[w.manager.pk]),
        method="post",
        setup=_open,
        default=403,
        skip_level=302,
        people_admin=302,
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
