from datetime import timedelta

from django.utils import timezone

from feedback.models import Circle
from feedback.services import circle as circle_services


def make_circle(*, facilitator, people, reveal_to=Circle.Audience.CIRCLE, title="Team circle"):
    return circle_services.do_create_circle(
        creator=facilitator,
        title=title,
        people=people,
        facilitator=facilitator,
        scheduled_at=timezone.now() + timedelta(hours=2),
        minutes_per_person=10,
        reveal_to=reveal_to,
    )


def step(circle, actor, action, **kw):
    circle_services.do_step(circle_id=circle.pk, actor=actor, action=action, **kw)
    circle.refresh_from_db()
    return circle


def write(circle, author, text, kind="start"):
    return circle_services.do_write_item(circle_id=circle.pk, author=author, kind=kind, text=text)
