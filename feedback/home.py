"""The feedback section of the home page ("what needs me now") and its todos."""

from datetime import timedelta

from django.db.models import Count, F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from culture import clock
from culture.request_local import once_per_request
from culture.sections import Todo
from feedback.models import (
    ActionItem,
    Campaign,
    Circle,
    CircleItem,
    Decision,
    FeedbackRequest,
    WrittenFeedback,
)
from feedback.services.written import campaign_progress


def _section(request) -> dict:
    """What the section shows, loaded once per request (the todos read it too)."""

    def load() -> dict:
        user = request.user
        campaign = Campaign.current()
        return {
            "feedback_campaign": campaign,
            "feedback_campaign_written": campaign_progress(campaign, user) if campaign else 0,
            # Only what the section shows: not the circle rows or the facilitators.
            "feedback_actions": list(
                ActionItem.objects.open_for(user)
                .select_related(None)
                .only("text")
                .order_by("created_at", "id")[:5]
            ),
            "feedback_circles": list(
                Circle.objects.upcoming_for(user)
                .select_related(None)
                .only("title", "scheduled_at")[:3]
            ),
            "feedback_asks": FeedbackRequest.objects.filter(
                asked=user, answered_at__isnull=True
            ).count(),
        }

    return once_per_request("feedback_home", load)


def home_context(request) -> dict:
    """Return the context for templates/feedback/_home.html. Four queries, whatever the data
    (five while a written 360 campaign is open: the person's progress in it)."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return {}
    return dict(_section(request))


def todos(request) -> list[Todo]:
    """Feedback the viewer received and has not accepted or discarded yet (revealed circle
    items, written feedback), colleagues who asked for feedback, the written 360 campaign
    while the viewer is short of its target, and their circles today and tomorrow. Counts
    and the viewer's own circles only. Two queries beyond the section's."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return []
    section = _section(request)
    today = clock.today()
    found: list[Todo] = []
    in_circles = CircleItem.objects.filter(
        recipient=user,
        decision=Decision.PENDING,
        recipient_position__lte=F("circle__revealed_through"),
    ).aggregate(n=Count("id"), circle=Max("circle_id"))
    if in_circles["n"]:
        n = in_circles["n"]
        found.append(
            Todo(
                label=ngettext(
                    "Accept or discard %(count)s feedback item from your circles",
                    "Accept or discard %(count)s feedback items from your circles",
                    n,
                )
                % {"count": n},
                url=reverse("feedback:summary", args=[in_circles["circle"]]),
                count=n,
            )
        )
    written = WrittenFeedback.objects.filter(recipient=user, decision=Decision.PENDING).count()
    if written:
        found.append(
            Todo(
                label=ngettext(
                    "Accept or discard %(count)s piece of written feedback",
                    "Accept or discard %(count)s pieces of written feedback",
                    written,
                )
                % {"count": written},
                url=reverse("feedback:inbox") + "?decision=pending",
                count=written,
            )
        )
    asks = section["feedback_asks"]
    if asks:
        found.append(
            Todo(
                label=ngettext(
                    "%(count)s colleague asked you for feedback",
                    "%(count)s colleagues asked you for feedback",
                    asks,
                )
                % {"count": asks},
                url=reverse("feedback:inbox"),
                count=asks,
            )
        )
    campaign = section["feedback_campaign"]
    if campaign is not None and section["feedback_campaign_written"] < campaign.target:
        left = campaign.target - section["feedback_campaign_written"]
        found.append(
            Todo(
                label=ngettext(
                    "%(campaign)s: write feedback to %(count)s more colleague",
                    "%(campaign)s: write feedback to %(count)s more colleagues",
                    left,
                )
                % {"campaign": campaign.name, "count": left},
                url=reverse("feedback:write"),
                count=left,
                due=campaign.closes_on,
            )
        )
    tomorrow = today + timedelta(days=1)
    zone = clock.zone_for(user)
    for circle in section["feedback_circles"]:
        day = timezone.localtime(circle.scheduled_at, zone).date()
        if today <= day <= tomorrow:
            found.append(
                Todo(
                    label=_("Circle: %(title)s") % {"title": circle.title},
                    url=reverse("feedback:room", args=[circle.pk]),
                    due=day,
                    at=circle.scheduled_at,
                )
            )
    return found
