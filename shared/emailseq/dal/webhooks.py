"""The webhook step's HTTP POST: JSON, signed (timestamp + body, HMAC-SHA256), with an idempotency key."""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import Any

from emailseq.domain.errors import ProviderTemporaryError


class SignedWebhookCaller:
    def __init__(self, secret: str, timeout: float = 10.0) -> None:
        self._key = hashlib.sha256(b"emailseq-webhook|" + secret.encode()).digest()
        self._timeout = timeout

    def post(self, url: str, body: dict[str, Any], idempotency_key: str) -> int:
        payload = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
        stamp = str(int(time.time()))
        signature = hmac.new(self._key, stamp.encode() + b"." + payload, hashlib.sha256).hexdigest()
        request = urllib.request.Request(  # noqa: S310 - the step's URL is validated as http(s) when applied
            url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": idempotency_key,
                "X-Emailseq-Signature": f"t={stamp},v1={signature}",
                "User-Agent": "emailseq-webhook/1",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as error:
            # 4xx means the receiver refused this body: retrying will not help, record and move on.
            if 400 <= error.code < 500:
                return int(error.code)
            raise ProviderTemporaryError(f"webhook {url} answered {error.code}") from error
        except (urllib.error.URLError, TimeoutError) as error:
            raise ProviderTemporaryError(f"webhook {url} unreachable: {error}") from error
