"""The feedback part of a person's profile page (registered in feedback.apps)."""

from feedback import access


def profile_context(request, person, *, manages: bool) -> dict:
    """The link to what the person received in writing, for those its page lets in
    (no query for a colleague, one for the management chain)."""
    return {
        "may_read_feedback": access.may_read_feedback_received_by(
            request.user, person, manages=manages
        )
    }
