"""Human or machine? Opens fetched by privacy proxies and security scanners are not a person reading.

Apple Mail Privacy Protection prefetches every image through Apple's network (17.0.0.0/8) as soon as mail
arrives; link-scanning gateways fetch with their own user agents. Such opens are counted apart and do not
satisfy `opened` in branches. Gmail's image proxy fetches when a person opens, so it counts as human.
"""

import ipaddress

_APPLE = ipaddress.ip_network("17.0.0.0/8")
_SCANNERS = (
    "barracuda",
    "mimecast",
    "proofpoint",
    "zscaler",
    "symantec",
    "messagelabs",
    "forcepoint",
    "trendmicro",
    "sophos",
    "fortiguard",
    "cisco",
    "ironport",
    "bitdefender",
    "safelinks",
)


def is_machine_open(user_agent: str | None, source_ip: str | None) -> bool:
    agent = (user_agent or "").lower()
    if any(name in agent for name in _SCANNERS):
        return True
    try:
        return source_ip is not None and ipaddress.ip_address(source_ip) in _APPLE
    except ValueError:
        return False
