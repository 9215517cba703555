"""Where a webhook may be sent: not into the network the product runs in.

A people admin types the URL, and the server POSTs to it: without a check, the product
would reach addresses only it can reach (the database, the cache, a cloud's metadata
service at 169.254.169.254) for whoever can type a URL (server-side request forgery).
An endpoint whose host names or resolves to a loopback, private, link-local, shared or
otherwise reserved address is refused when it is registered and again before each
delivery (a name can resolve elsewhere later). `WEBHOOKS_ALLOW_PRIVATE_ADDRESSES` allows
them, for a receiver on the company's own network.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found]


def refusal(url: str) -> str | None:
    """Why the product will not POST to `url`, or None when it may."""
    if settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host:
        return _("The address has no host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = _addresses(host, port)
    except (OSError, ValueError) as exc:
        return _("The host %(host)s cannot be resolved (%(error)s).") % {"host": host, "error": exc}
    for address in addresses:
        if not address.is_global or address.is_multicast:
            return _(
                "%(host)s is %(address)s, an address inside a private or reserved network; "
                "webhooks go to the internet only (WEBHOOKS_ALLOW_PRIVATE_ADDRESSES allows it)."
            ) % {"host": host, "address": address}
    return None
