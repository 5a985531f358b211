"""DKIM signing throughput: RSA-2048 against Ed25519 on a typical ~20 KB multipart email, each signed for ~2 s.

Run: .venv/bin/python bench/dkim_signing.py [seconds]. Signs with the DkimSigner SmtpMailSender uses, on the
CRLF bytes it sends, so the numbers are the per-message signing cost of a real send.
"""

import sys
import time
from datetime import UTC, datetime
from typing import Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from emailseq.dal.smtp import DkimSigner
from emailseq.domain.ports import OutgoingEmail
from emailseq.rendering.message import build_mime

Algorithm = Literal["ed25519", "rsa"]
RUNS: list[tuple[Algorithm, str]] = [("rsa", "rsa-sha256 2048"), ("ed25519", "ed25519-sha256")]
PARAGRAPH = "Thanks for joining. Here is what the next weeks look like, and how to get the most out of them. "


def typical_email() -> bytes:
    paragraphs = [f"{PARAGRAPH * 3}({n})" for n in range(29)]
    html = "".join(f'<p style="font-family:Arial;margin:0 0 12px">{text}</p>\n' for text in paragraphs)
    email = OutgoingEmail(
        to="ada@example.com",
        subject="Welcome aboard, Ada",
        html=f"<html><body>\n{html}</body></html>",
        text="\n\n".join(paragraphs),
        headers={
            "List-Unsubscribe": "<https://u.example.com/x>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    raw = build_mime(email, "Example News <news@mail.example.com>", datetime.now(UTC))
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def private_pem(algorithm: Algorithm) -> str:
    key = ed25519.Ed25519PrivateKey.generate() if algorithm == "ed25519" else rsa.generate_private_key(65537, 2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def rate(algorithm: Algorithm, message: bytes, seconds: float) -> tuple[int, float]:
    signer = DkimSigner("s2026", "mail.example.com", private_pem(algorithm), algorithm)
    signer.sign(message)  # warm-up: imports and first-call costs are not per message
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        signer.sign(message)
        count += 1
    return count, elapsed


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    message = typical_email()
    print(f"message: {len(message)} bytes, multipart/alternative, relaxed/relaxed, 9 signed headers")
    print(f"{'algorithm':<16}{'signed':>8}{'seconds':>9}{'msg/s':>10}{'ms/msg':>9}")
    rates: dict[str, float] = {}
    for algorithm, label in RUNS:
        count, elapsed = rate(algorithm, message, seconds)
        rates[algorithm] = count / elapsed
        print(f"{label:<16}{count:>8}{elapsed:>9.2f}{rates[algorithm]:>10.0f}{1000 / rates[algorithm]:>9.3f}")
    print(f"ed25519 / rsa: {rates['ed25519'] / rates['rsa']:.1f}x the messages per second")


if __name__ == "__main__":
    main()
