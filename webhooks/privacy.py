"""What webhooks hold about a person, for culture.privacy (registered in WebhooksConfig).

person.* events carry a person's directory fields (name, email, title...). Erasing someone
deletes those events and their deliveries at once, rather than leaving them for the 30 days
the sweeper keeps finished deliveries; what was already sent is the receiving system's.
Other events name people by id only.
"""

from __future__ import annotations

from webhooks.models import Event


def erase(person, *, old_name: str, old_email: str) -> None:
    Event.objects.filter(type__startswith="person.", data__id=person.pk).delete()
