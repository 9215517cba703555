"""A deliberately broken product, for the tests of the tests only (test_checks_can_fail.py,
installed with override_settings(ROOT_URLCONF=...)): the real URLs plus three views that do
what the attack suites must catch."""

import logging

from django.http import HttpResponse, HttpResponseServerError, StreamingHttpResponse
from django.urls import path

from culture.urls import urlpatterns as real

log = logging.getLogger("culture.broken")


def get_that_writes(request):
    from culture.models import Team

    Team.objects.get_or_create(name="Written by a GET", slug="written-by-a-get")
    return HttpResponse("ok")


async def stream_that_leaks(request):
    async def events():
        yield "event: changed\ndata: version 2\n\n"
        yield "event: item\ndata: UNREVEALED-ITEM-TEXT\n\n"

    return StreamingHttpResponse(events(), content_type="text/event-stream")


def error_page_with_a_salary(request):
    log.error("pay page failed for salary %s", "70000")
    return HttpResponseServerError("<h1>Server error</h1><p>base salary 70,000 EUR</p>")


urlpatterns = [
    *real,
    path("broken/get/", get_that_writes),
    path("broken/stream/", stream_that_leaks),
    path("broken/error/", error_page_with_a_salary),
]
