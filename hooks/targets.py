"""Where a webhook may point: https to a public address, never to the server's own network.

A webhook URL is chosen by a project member but fetched by our worker, inside our network, so
an unchecked URL would let a member reach internal services (server-side request forgery).
The host is resolved and checked when the webhook is saved and again at every delivery, and the
delivery connects to the very address that was checked (DNS could answer differently a second
time).
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from lotix.errors import DomainError

MAX_URL_LENGTH = 500

# Cloud metadata services answer on link-local addresses (169.254.169.254, fd00:ec2::254):
# never reachable from a webhook, whatever the settings say.
ALWAYS_REFUSED = (
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("fd00:ec2::254/128"),
    ipaddress.ip_network("0.0.0.0/8"),
)


class WebhookUrlRefused(DomainError):
    """The URL may never receive webhooks (scheme, credentials, forbidden address)."""


class WebhookHostUnresolved(DomainError):
    """The host has no address right now; a delivery tries again later."""


@dataclass(frozen=True)
class Target:
    """A checked URL: its parts and the address to connect to."""

    scheme: str
    host: str
    port: int
    address: str
    path: str

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def pinned_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        address = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.scheme}://{address}:{self.port}{self.path}"


def allow_private() -> bool:
    return bool(getattr(settings, "LOTIX_WEBHOOKS_ALLOW_PRIVATE", False))


def address_refusal(address: str, *, private_allowed: bool) -> str:
    """Why a webhook may not connect to `address`, or "" when it may."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in ALWAYS_REFUSED if network.version == ip.version):
        return (f"{ip} is a link-local or cloud metadata address; webhooks never go there.")
    if not ip.is_loopback and (ip.is_multicast or ip.is_unspecified or ip.is_reserved):
        return f"{ip} is not an address a webhook can be delivered to."
    if not ip.is_global and not private_allowed:
        kind = "a loopback" if ip.is_loopback else "a private"
        return (f"{ip} is {kind} address inside the server's network; webhooks go to public "
                "addresses only (an operator can allow private ones with "
                "LOTIX_WEBHOOKS_ALLOW_PRIVATE).")
    return ""


def _addresses(host: str, port: int) -> list[str]:
    try:
        return [ipaddress.ip_address(host).compressed]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise WebhookHostUnresolved(
            f"Lotix could not find the host {host!r}; check the spelling of the URL."
        ) from None
    found: list[str] = []
    for info in infos:
        address = info[4][0].split("%", 1)[0]  # drop an IPv6 zone
        if address not in found:
            found.append(address)
    return found


def target_check(url: str) -> Target:
    """Parse, resolve and check a webhook URL; raise with the reason when it is refused."""
    url = (url or "").strip()
    if not url:
        raise WebhookUrlRefused("Enter the URL that should receive the webhooks.")
    if len(url) > MAX_URL_LENGTH:
        raise WebhookUrlRefused(f"A webhook URL has at most {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise WebhookUrlRefused("That is not a valid URL.") from None
    private_allowed = allow_private()
    if parts.scheme not in ("https", "http"):
        raise WebhookUrlRefused("A webhook URL starts with https://.")
    if not parts.hostname:
        raise WebhookUrlRefused("The URL names no host.")
    if parts.username is not None or parts.password is not None:
        raise WebhookUrlRefused("Leave the user name and password out of the URL; the "
                                "signature header tells the receiver the call is from Lotix.")
    if parts.scheme == "http" and not private_allowed:
        raise WebhookUrlRefused("A webhook URL starts with https://, so deliveries are "
                                "encrypted on the way.")
    port = port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname
    addresses = _addresses(host, port)
    if not addresses:
        raise WebhookHostUnresolved(f"Lotix could not find the host {host!r}.")
    for address in addresses:
        reason = address_refusal(address, private_allowed=private_allowed)
        if reason:
            raise WebhookUrlRefused(reason if address == host
                                    else f"{host} resolves to {address}. {reason}")
    if parts.scheme == "http":
        public = [a for a in addresses if ipaddress.ip_address(a).is_global]
        if public:
            raise WebhookUrlRefused("Plain http:// is allowed only to addresses inside the "
                                    "server's network; use https:// for this host.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme=parts.scheme, host=host, port=port, address=addresses[0], path=path)
