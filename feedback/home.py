"""The feedback section of the home page ("what needs me now")."""


def home_context(request) -> dict:
    """Return the context for templates/feedback/_home.html. Must run a fixed number of queries."""
    return {}
