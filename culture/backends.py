"""The authentication backend: Django's ModelBackend, with the header's unread count read in
the same statement as the person on every request.

Every page's header shows how many notifications are unread. Counted on its own, that is a
query on every page; as a subquery of the session's person lookup (which every request
makes anyway), it is none. The count is as fresh as the person row: read at the start of
the request.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


class PersonBackend(ModelBackend):
    def get_user(self, user_id):
        from culture.models import Notification, Person

        unread = (
            Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
            .order_by()
            .values("recipient")
            .annotate(n=Count("pk"))
            .values("n")
        )
        try:
            user = Person._default_manager.annotate(
                unread_notifications=Coalesce(Subquery(unread), 0)
            ).get(pk=user_id)
        except Person.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
