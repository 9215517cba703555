from django.core.mail.backends.base import BaseEmailBackend


class BrokenBackend(BaseEmailBackend):
    """An SMTP server that is down (the one external thing we stand in for)."""

    def send_messages(self, email_messages):
        raise ConnectionError("SMTP server unreachable")


class FlakyBackend(BaseEmailBackend):
    """Refuses mail for some addresses; records what it accepted."""

    fail_for: set = set()
    sent: list = []

    def send_messages(self, email_messages):
        for message in email_messages:
            if message.to[0] in self.fail_for:
                raise ConnectionError("mailbox unavailable")
            FlakyBackend.sent.append(message)
        return len(email_messages)
