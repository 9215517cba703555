import os
from datetime import timedelta

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render

from culture import clock, live, sections
from culture.http import AuthedHttpRequest


def home(request: AuthedHttpRequest) -> HttpResponse:
    """What needs me, first: one ordered list of what the viewer must act on (each practice
    registers its todos with culture.sections), overdue first, then by due date, then the
    undated; then one section per practice. Each source a fixed number of queries."""
    context = sections.home_context(request)
    today = clock.today()
    context.update(todos=sections.todos(request), today=today, tomorrow=today + timedelta(days=1))
    return render(request, "culture/home.html", context)


def floor(request: AuthedHttpRequest) -> HttpResponse:
    """The benchmark floor: a tiny template for a logged-in user, nothing else."""
    return render(request, "culture/floor.html", {})


# More than any key page runs (bench/README.md): a bigger number is a typo, not a floor.
MAX_FLOOR_QUERIES = 200


def floor_queries(request: AuthedHttpRequest, queries: int = 10) -> HttpResponse:
    """The floor plus `queries` one-row ORM queries (ten at /bench/floor/queries/): what a
    page's queries cost on their own. bench/run.py measures it at each key page's own query
    count (F_q), the floor that page's throughput is judged against."""
    from culture.models import Person

    if queries > MAX_FLOOR_QUERIES:
        raise Http404
    for _ in range(queries):
        Person.objects.filter(pk=request.user.pk).values_list("name", flat=True).first()
    return render(request, "culture/floor.html", {})


def live_stats(request: AuthedHttpRequest) -> JsonResponse:
    """The benchmark's view into this web process's live listener (bench/circles.py): the
    channels it is subscribed to on Redis, the messages it received, and those it received
    for a channel none of its streams listened to."""
    return JsonResponse({"pid": os.getpid(), **live.stats()})
