"""The authentication backend: Django's ModelBackend, with the person of every request read
in one hand-written statement that also counts their unread notifications and brings the
company's time zone (culture.clock.zone_for), so neither costs a query of its own.

Written out because every request runs it: the same lookup through the ORM (an annotated
query with two subqueries) cost more than a fifth of the fastest key pages (measured in
bench/README.md, "Raw SQL kept after measuring").
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class PersonBackend(ModelBackend):
    def get_user(self, user_id):
        from culture.models import CompanySettings, Notification, Person

        person, notification = Person._meta.db_table, Notification._meta.db_table
        settings_table = CompanySettings._meta.db_table
        found = list(
            Person._default_manager.raw(
                f'SELECT p.*, (SELECT COUNT(*) FROM "{notification}" n'  # noqa: S608 - table names
                " WHERE n.recipient_id = p.id AND n.read_at IS NULL) AS unread_notifications,"
                f' (SELECT time_zone FROM "{settings_table}" WHERE id = 1) AS company_time_zone'
                f' FROM "{person}" p WHERE p.id = %s',
                [int(user_id)],
            )
        )
        if not found:
            return None
        user = found[0]
        return user if self.user_can_authenticate(user) else None
