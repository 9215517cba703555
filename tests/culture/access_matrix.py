from django.urls import reverse

from tests.matrix import case


def _job(w):
    from culture.models import ImportJob

    job = ImportJob.objects.create(created_by=w.people_admin, filename="p.csv", content=b"")
    return {"job": job}


def _note(w):
    from culture.models import Notification

    return {
        "note": Notification.objects.create(key="k1", recipient=w.employee, kind="t", title="t")
    }


CASES = {
    "home": case(lambda w, x: reverse("home")),
    "healthz": case(lambda w, x: reverse("healthz"), default=503, anonymous=503, inactive=503),
    # Probes for orchestrators: public, and 200 here (the process answers; the database does).
    "livez": case(lambda w, x: reverse("livez"), anonymous=200, inactive=200),
    "readyz": case(lambda w, x: reverse("readyz"), anonymous=200, inactive=200),
    "culture_page": case(lambda w, x: reverse("culture_page")),
    "culture_edit": case(lambda w, x: reverse("culture_edit"), default=403, people_admin=200),
    "company_settings": case(
        lambda w, x: reverse("company_settings"), default=403, people_admin=200
    ),
    "audit_log": case(lambda w, x: reverse("audit_log"), default=403, people_admin=200),
    "notifications": case(lambda w, x: reverse("notifications")),
    "notifications_read": case(
        lambda w, x: reverse("notifications_read"),
        method="post",
        data=lambda w, x: {"id": x["note"].pk},
        setup=_note,
        default=404,
        employee=302,
    ),
    "login": case(lambda w, x: reverse("login"), anonymous=200, inactive=200, default=302),
    "logout": case(lambda w, x: reverse("logout"), method="post", default=302),
    "password_change": case(lambda w, x: reverse("password_change")),
    "reader_settings": case(lambda w, x: reverse("reader_settings")),
    "javascript_catalog": case(
        lambda w, x: reverse("javascript_catalog"), anonymous=200, inactive=200
    ),
    "password_reset": case(lambda w, x: reverse("password_reset"), anonymous=200, inactive=200),
    "password_reset_done": case(
        lambda w, x: reverse("password_reset_done"), anonymous=200, inactive=200
    ),
    "password_reset_confirm": case(
        lambda w, x: reverse("password_reset_confirm", args=["MQ", "bad-token"]),
        anonymous=200,
        inactive=200,
    ),
    "password_reset_complete": case(
        lambda w, x: reverse("password_reset_complete"), anonymous=200, inactive=200
    ),
    "people:directory": case(lambda w, x: reverse("people:directory")),
    "people:export": case(lambda w, x: reverse("people:export"), default=403, people_admin=200),
    "people:org_chart": case(lambda w, x: reverse("people:org_chart")),
    "people:org_branch": case(
        lambda w, x: reverse("people:org_branch", args=[w.manager.pk]),
        headers={"HX-Request": "true"},
    ),
    "people:import": case(lambda w, x: reverse("people:import"), default=403, people_admin=200),
    "people:import_template": case(
        lambda w, x: reverse("people:import_template"), default=403, people_admin=200
    ),
    "people:import_status": case(
        lambda w, x: reverse("people:import_status", args=[x["job"].pk]),
        setup=_job,
        default=403,
        people_admin=200,
    ),
    "people:invite": case(lambda w, x: reverse("people:invite"), default=403, people_admin=200),
    "people:edit": case(
        lambda w, x: reverse("people:edit", args=[w.employee.pk]), default=403, people_admin=200
    ),
    "people:profile": case(lambda w, x: reverse("people:profile", args=[w.employee.pk])),
    # A person's data (export, erasure): people admins only. Whoever may not know the person
    # exists (an inactive person, for non-admins) gets 404, other non-admins 403.
    "people:data": case(
        lambda w, x: reverse("people:data", args=[w.employee.pk]), default=403, people_admin=200
    ),
    "people:data#inactive": case(
        lambda w, x: reverse("people:data", args=[w.inactive.pk]), default=404, people_admin=200
    ),
    "people:data_export": case(
        lambda w, x: reverse("people:data_export", args=[w.employee.pk]),
        method="post",
        data=lambda w, x: {"export-email": w.employee.email},
        default=403,
        people_admin=200,
    ),
    "people:data_export#inactive": case(
        lambda w, x: reverse("people:data_export", args=[w.inactive.pk]),
        method="post",
        data=lambda w, x: {"export-email": w.inactive.email},
        default=404,
        people_admin=200,
    ),
    "people:data_erase": case(
        lambda w, x: reverse("people:data_erase", args=[w.inactive.pk]),
        method="post",
        data=lambda w, x: {"erase-email": w.inactive.email},
        default=404,
        people_admin=302,
    ),
    # Inactive people's profiles are hidden from everyone but people admins.
    "people:profile#inactive": case(
        lambda w, x: reverse("people:profile", args=[w.inactive.pk]), default=404, people_admin=200
    ),
}
