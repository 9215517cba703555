"""The feedback section of the home page ("what needs me now")."""

from feedback.models import ActionItem, Circle, FeedbackRequest


def home_context(request) -> dict:
    """Return the context for templates/feedback/_home.html. Three queries, whatever the data."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return {}
    return {
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
