"""The keeper section of the home page ("what needs me now")."""


def home_context(request) -> dict:
    """Return the context for templates/keeper/_home.html. Must run a fixed number of queries."""
    return {}
