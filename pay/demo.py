"""Demo data for the pay practice, called by `manage.py seed_demo`."""


def seed(*, people, rng, scale: int = 1) -> str:
    """Add demo data. `people` maps the four demo logins' keys (admin, director, manager,
    employee) and "all" (every active person) to Person objects. Returns a one-line summary."""
    return ""
