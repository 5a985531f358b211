"""The webhook step's HTTP POST: JSON, signed (timestamp + body, HMAC-SHA256), with an idempotency key; and the
POST of webhook subscriptions' deliveries (signed by the caller with the subscription's secret)."""

import hashlib
import hmac
import http.client
import json
import time
from typing import Any

from aws_lambda_powertools import Logger

from emailseq.dal import safe_http
from emailseq.domain.errors import ProviderTemporaryError
from emailseq.domain.webhooks import TargetRefused, TargetUnreachable

logger = Logger(child=True)


REFUSED = 0  # the status recorded for a target refused before any request (a non-public address)


class SignedWebhookCaller:
    def __init__(self, secret: str, timeout: float = 10.0, allow_private: bool = False) -> None:
        self._key = hashlib.sha256(b"emailseq-webhook|" + secret.encode()).digest()
        self._timeout = timeout
        self._allow_private = allow_private  # the deployment's choice (the local stack's receivers are local)

    def post(self, url: str, body: dict[str, Any], idempotency_key: str, allow_private: bool = False) -> int:
        payload = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
        stamp = str(int(time.time()))
        signature = hmac.new(self._key, stamp.encode() + b"." + payload, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key,
            "X-Emailseq-Signature": f"t={stamp},v1={signature}",
            "User-Agent": "emailseq-webhook/1",
        }
        try:
            status = safe_http.post(url, payload, headers, self._timeout, self._allow_private or allow_private)
        except safe_http.RefusedTarget as refused:
            # Retrying cannot make the address public: record the refusal and move on, as for a 4xx.
            logger.warning("webhook target refused", extra={"reason": str(refused)})
            return REFUSED
        except (OSError, http.client.HTTPException) as error:
            raise ProviderTemporaryError(f"webhook {url} unreachable: {error}") from error
        if status >= 500:
            raise ProviderTemporaryError(f"webhook {url} answered {status}")
        return status  # 2xx done; 3xx and 4xx: the receiver's answer to this body, retrying will not change it


class SafeWebhookPoster:
    """Subscription deliveries over the SSRF guard (safe_http): the domain's errors for a refused or silent
    target; the status for any answer."""

    def __init__(self, timeout: float = 10.0) -> None:
        self._timeout = timeout

    def post(self, url: str, body: bytes, headers: dict[str, str], allow_private: bool) -> int:
        try:
            return safe_http.post(url, body, headers, self._timeout, allow_private)
        except safe_http.RefusedTarget as refused:
            raise TargetRefused(str(refused)) from refused
        except (OSError, http.client.HTTPException) as error:
            raise TargetUnreachable(f"{type(error).__name__}: {error}") from error
