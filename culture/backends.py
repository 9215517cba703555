"""The authentication backend: Django's ModelBackend, with the person of every request read
together with their unread notification count and the company's time zone.

Every page's header shows how many notifications are unread, and every request activates
the reader's zone (culture.clock.zone_for): both come with the person, in the one query the
request makes for them, so neither costs a query of its own.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


class PersonBackend(ModelBackend):
    def get_user(self, user_id):
        from culture.models import CompanySettings, Notification, Person

        unread = (
            Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
            .order_by()
            .values("recipient")
            .annotate(n=Count("pk"))
            .values("n")
        )
        zone = CompanySettings.objects.filter(pk=1).values("time_zone")
        try:
            user = Person._default_manager.annotate(
                unread_notifications=Coalesce(
                    Subquery(unread), Value(0), output_field=IntegerField()
                ),
                company_time_zone=Subquery(zone),
            ).get(pk=int(user_id))
        except (Person.DoesNotExist, ValueError, TypeError):
            return None
        return user if self.user_can_authenticate(user) else None
