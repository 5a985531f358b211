"""What a spam filter thinks of a message: its score against the threshold, and the rules that fired."""

from dataclasses import dataclass

TOP_RULES = 10  # enough to act on; SpamAssassin often lists a dozen informational 0.0 rules besides


def parse_address(address: str) -> tuple[str, int]:
    """`host:port` (an IPv6 host in brackets) of a spam checker."""
    host, _, port = address.strip().rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"'{address}' is not host:port (e.g. 127.0.0.1:783)")
    return host.strip("[]"), int(port)


class SpamCheckUnavailable(Exception):
    """The spam checker is not configured, not reachable, or answered something we cannot read."""


@dataclass(frozen=True)
class SpamRule:
    name: str
    score: float
    description: str


@dataclass(frozen=True)
class SpamReport:
    score: float
    threshold: float
    is_spam: bool
    rules: tuple[SpamRule, ...]

    def top_rules(self, limit: int = TOP_RULES) -> list[SpamRule]:
        """The rules that weigh most either way (a big negative score helps as much as a positive one hurts)."""
        return sorted(self.rules, key=lambda rule: (-abs(rule.score), rule.name))[:limit]
