"""A file mail backend that takes FAULTS_MAIL_DELAY seconds per message (a slow SMTP
server). Before each message it writes a marker `sending-<n>` into the mail folder, so a
test can kill the worker while a known message is in flight, before it is handed over."""

import os
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    def send_messages(self, email_messages):
        delay = float(os.environ.get("FAULTS_MAIL_DELAY", "0"))
        sent = 0
        for message in email_messages:
            if delay:
                folder = Path(self.file_path)
                n = len(list(folder.glob("sending-*"))) + 1
                (folder / f"sending-{n}").write_text(message.extra_headers.get("Message-ID", ""))
                time.sleep(delay)
            sent += super().send_messages([message])
        return sent
