"""What the stand-ins for outside services (Slack, Teams, webhook receivers) share."""

from __future__ import annotations

import threading
from socketserver import BaseServer

# How often a stand-in's thread looks whether shutdown() was called. socketserver's default,
# 0.5 s, made every test that stops a stand-in wait half a second for it (about 60 tests).
SHUTDOWN_POLL_SECONDS = 0.02


def serve_in_thread(server: BaseServer) -> threading.Thread:
    """Serve `server` from a daemon thread until its shutdown()."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS}, daemon=True
    )
    thread.start()
    return thread
