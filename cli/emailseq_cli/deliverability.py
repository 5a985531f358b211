"""How `emailseq preview` shows the deliverability check (the spam score and the rules behind it)."""

from typing import Any


def deliverability_lines(checked: dict[str, Any] | None) -> str:
    if not checked or not checked.get("available"):
        reason = (checked or {}).get("reason") or "the API did not check it"
        return f"\nDeliverability: not checked ({reason})"
    verdict = "SPAM" if checked["is_spam"] else "not spam"
    lines = [f"\nDeliverability: SpamAssassin score {checked['score']:.1f} / {checked['threshold']:.1f} ({verdict})"]
    for rule in checked["rules"]:
        lines.append(f"  {rule['score']:>5.1f}  {rule['name']:<28} {rule['description']}")
    return "\n".join(lines)
