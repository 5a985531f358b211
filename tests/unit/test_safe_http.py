"""Which addresses a tenant's webhook may reach from AWS: the public internet only."""

import pytest
from emailseq.dal.safe_http import is_public

NOT_PUBLIC = [
    "127.0.0.1",  # loopback
    "127.8.9.10",
    "::1",
    "10.1.2.3",  # RFC 1918
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # link-local: the instance metadata service
    "fe80::1",
    "fc00::1",  # unique local
    "100.64.0.1",  # carrier-grade NAT
    "0.0.0.0",  # noqa: S104 - the address under test, not a bind
    "::ffff:127.0.0.1",  # loopback spelt as IPv4-mapped IPv6
    "::ffff:169.254.169.254",
    "224.0.0.1",  # multicast
    "198.18.0.1",  # benchmarking
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_private_loopback_link_local_and_reserved_addresses_are_not_public(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_internet_addresses_are_public(address: str) -> None:
    assert is_public(address)
