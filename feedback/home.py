"""The feedback section of the home page ("what needs me now")."""

from feedback.models import ActionItem, Campaign, Circle, FeedbackRequest
from feedback.services.written import campaign_progress


def home_context(request) -> dict:
    """Return the context for templates/feedback/_home.html. Four queries, whatever the data
    (five while a written 360 campaign is open: the person's progress in it)."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return {}
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
            Circle.objects.upcoming_for(user).select_related(None).only("title", "scheduled_at")[:3]
        ),
        "feedback_asks": FeedbackRequest.objects.filter(
            asked=user, answered_at__isnull=True
        ).count(),
    }
