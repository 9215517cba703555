"""The feedback section of the home page ("what needs me now")."""

from feedback.models import ActionItem, Circle, FeedbackRequest


def home_context(request) -> dict:
    """Return the context for templates/feedback/_home.html. Three queries, whatever the data."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return {}
    return {
        "feedback_actions": list(ActionItem.objects.open_for(user).order_by("created_at")[:5]),
        "feedback_circles": list(Circle.objects.upcoming_for(user)[:3]),
        "feedback_asks": FeedbackRequest.objects.filter(
            asked=user, answered_at__isnull=True
        ).count(),
    }
