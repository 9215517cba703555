"""Webhook pages: people admins only (403 for every other persona, as the other company
settings pages; an endpoint that does not exist is 404 for admins)."""

from django.urls import reverse

from tests.matrix import case


def _endpoint(w, x=None):
    from django.utils import timezone

    from webhooks import services
    from webhooks.models import Event, WebhookDelivery

    endpoint, _secret = services.do_create_endpoint(
        by=w.people_admin, url="https://hooks.example.test/culture", events=["person.created"]
    )
    event = Event.objects.create(type="person.created", data={"id": w.employee.pk})
    now = timezone.now()
    row = WebhookDelivery.objects.create(
        endpoint=endpoint, event=event, status="sent", attempts=1, sent_at=now, give_up_at=now
    )
    return {"endpoint": endpoint, "delivery": row}


def _on(name):
    return lambda w, x: reverse(f"webhooks:{name}", args=[x["endpoint"].pk])


ADMIN = {"default": 403}

CASES = {
    "webhooks:endpoints": case(
        lambda w, x: reverse("webhooks:endpoints"), people_admin=200, **ADMIN
    ),
    "webhooks:endpoints#create": case(
        lambda w, x: reverse("webhooks:endpoints"),
        method="post",
        data=lambda w, x: {"url": "https://hooks.example.test/a", "events": ["memo.decided"]},
        people_admin=200,
        **ADMIN,
    ),
    "webhooks:endpoint": case(_on("endpoint"), setup=_endpoint, people_admin=200, **ADMIN),
    "webhooks:endpoint#missing": case(
        lambda w, x: reverse("webhooks:endpoint", args=[999_999]), people_admin=404, **ADMIN
    ),
    "webhooks:endpoint_rotate": case(
        _on("endpoint_rotate"), method="post", setup=_endpoint, people_admin=200, **ADMIN
    ),
    "webhooks:endpoint_disable": case(
        _on("endpoint_disable"), method="post", setup=_endpoint, people_admin=302, **ADMIN
    ),
    "webhooks:endpoint_enable": case(
        _on("endpoint_enable"), method="post", setup=_endpoint, people_admin=302, **ADMIN
    ),
    "webhooks:endpoint_delete": case(
        _on("endpoint_delete"), method="post", setup=_endpoint, people_admin=302, **ADMIN
    ),
    "webhooks:delivery_send_again": case(
        lambda w, x: reverse(
            "webhooks:delivery_send_again", args=[x["endpoint"].pk, x["delivery"].pk]
        ),
        method="post",
        setup=_endpoint,
        people_admin=302,
        **ADMIN,
    ),
}
