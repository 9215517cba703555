from django.shortcuts import render

from decisions.home import home_context as decisions_home
from feedback.home import home_context as feedback_home
from keeper.home import home_context as keeper_home
from pay.home import home_context as pay_home


def home(request):
    """What needs me now: one section per practice, each a fixed number of queries."""
    context = {"sections": ["keeper", "feedback", "decisions", "pay"]}
    context.update(keeper_home(request))
    context.update(feedback_home(request))
    context.update(decisions_home(request))
    context.update(pay_home(request))
    return render(request, "culture/home.html", context)


def floor(request):
    """The benchmark floor: a tiny template for a logged-in user, nothing else."""
    return render(request, "culture/floor.html", {})


def floor_queries(request):
    """The floor plus ten one-row ORM queries: what a page's queries cost on their own, so a
    page's ratio to H can be read against what its query count alone allows."""
    from culture.models import Person

    for _ in range(10):
        Person.objects.filter(pk=request.user.pk).values_list("name", flat=True).first()
    return render(request, "culture/floor.html", {})
