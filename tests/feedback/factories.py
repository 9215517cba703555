from datetime import timedelta

from django.utils import timezone

from feedback import services
from feedback.models import Circle


def make_circle(*, facilitator, people, reveal_to=Circle.Audience.CIRCLE, title="Team circle"):
    return services.do_create_circle(
        creator=facilitator,
        title=title,
        people=people,
        facilitator=facilitator,
        scheduled_at=timezone.now() + timedelta(hours=2),
        minutes_per_person=10,
        reveal_to=reveal_to,
    )


def step(circle, actor, action, **kw):
    services.do_step(circle_id=circle.pk, actor=actor, action=action, **kw)
    circle.refresh_from_db()
    return circle


def write(circle, author, text, kind="start"):
    return services.do_write_item(circle_id=circle.pk, author=author, kind=kind, text=text)
