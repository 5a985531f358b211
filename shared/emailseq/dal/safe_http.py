"""Outbound HTTP to tenant-given URLs (the webhook step) without server-side request forgery.

A tenant writes the URL, so in AWS it could name the instance metadata service, a VPC-internal host or the
Lambda's own loopback. Every address the host name resolves to is checked, the connection goes to the address
that was checked (a DNS answer that changes between check and connect cannot slip a private one in), and
redirects are never followed (a public URL cannot bounce the request inward).
"""

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit


class RefusedTarget(Exception):
    """The URL resolves to an address that is not on the public internet."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback, whatever its spelling
    return ip.is_global and not ip.is_multicast


def checked_connection(host: str, port: int, timeout: float, allow_private: bool) -> socket.socket:
    """A TCP connection to the first acceptable address of `host`; RefusedTarget if any address is private."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise OSError(f"cannot resolve {host}: {error}") from error
    addresses = [info[4][0] for info in found]
    refused = [a for a in addresses if not is_public(str(a))]
    if refused and not allow_private:
        raise RefusedTarget(f"{host} resolves to non-public address {refused[0]}")
    return socket.create_connection((str(addresses[0]), port), timeout=timeout)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float, allow_private: bool) -> int:
    """POST `body`; returns the status of the first response (a 3xx is an answer, not a hop)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    sock = checked_connection(host, port, timeout, allow_private)
    if secure:
        sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    connection.sock = sock  # already connected (and checked): http.client only speaks HTTP over it
    try:
        path = parts.path or "/"
        connection.request("POST", f"{path}?{parts.query}" if parts.query else path, body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()
