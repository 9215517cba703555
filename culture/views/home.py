from django.http import HttpResponse
from django.shortcuts import render

from culture import sections
from culture.http import AuthedHttpRequest


def home(request: AuthedHttpRequest) -> HttpResponse:
    """What needs me now: one section per practice (each registers itself with
    culture.sections), each a fixed number of queries."""
    return render(request, "culture/home.html", sections.home_context(request))


def floor(request: AuthedHttpRequest) -> HttpResponse:
    """The benchmark floor: a tiny template for a logged-in user, nothing else."""
    return render(request, "culture/floor.html", {})


def floor_queries(request: AuthedHttpRequest) -> HttpResponse:
    """The floor plus ten one-row ORM queries: what a page's queries cost on their own, so a
    page's ratio to H can be read against what its query count alone allows."""
    from culture.models import Person

    for _ in range(10):
        Person.objects.filter(pk=request.user.pk).values_list("name", flat=True).first()
    return render(request, "culture/floor.html", {})
