"""Daily digests (written next)."""


def send_due() -> int:
    return 0
