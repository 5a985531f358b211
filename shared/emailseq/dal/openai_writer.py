"""OpenAI (or any server speaking its Responses API) as the StructuredWriter: `responses.parse` with a pydantic
model as the output format, so the answer arrives parsed and schema-checked.

The key comes from the environment (`OPENAI_API_KEY`, `OPENAI_BASE_URL`: a developer's machine) or, in AWS, from
a Secrets Manager secret holding {"api_key": ..., "base_url": optional, "model": optional}, read at each call (so
a key stored or rotated after deploy is picked up without a redeploy).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import openai
from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError
from pydantic import BaseModel

from emailseq.dal.secrets import read_secret
from emailseq.domain.errors import NotConfigured, UpstreamFailed

logger = Logger(child=True)
NOT_CONFIGURED = (
    "AI drafting is not configured: store an OpenAI API key with `emailseq ai configure` (locally) or in the "
    "secret emailseq/<stage>/openai (AWS), see docs/ai.md"
)


@dataclass(frozen=True)
class OpenAiConfig:
    api_key: str
    base_url: str | None = None
    model: str | None = None


def config_from_secret(secretsmanager: Any, secret_id: str) -> OpenAiConfig | None:
    try:
        data = json.loads(read_secret(secretsmanager, secret_id))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise
    if not isinstance(data, dict) or not data.get("api_key"):
        return None
    return OpenAiConfig(str(data["api_key"]), data.get("base_url") or None, data.get("model") or None)


class OpenAiWriter:
    def __init__(self, config: Callable[[], OpenAiConfig | None], model: str, timeout_seconds: float) -> None:
        self._config = config
        self._model = model
        self._timeout = timeout_seconds
        self._client: openai.OpenAI | None = None
        self._current: OpenAiConfig | None = None
        self._chosen_model = model

    def write[Shape: BaseModel](self, instructions: str, prompt: str, shape: type[Shape]) -> Shape:
        client = self._connect()
        try:
            response = client.responses.parse(
                model=self._chosen_model, instructions=instructions, input=prompt, text_format=shape
            )
        except openai.OpenAIError as error:
            logger.warning("language model call failed", extra={"model": self._chosen_model, "error": str(error)})
            raise UpstreamFailed(f"the language model failed: {type(error).__name__}: {error}") from error
        parsed = response.output_parsed
        if parsed is None:
            raise UpstreamFailed("the language model gave no answer in the requested shape (refused or empty)")
        return parsed

    def _connect(self) -> openai.OpenAI:
        # Read on every call (one Secrets Manager read beside a model call of seconds): a key rotated or a server
        # moved takes effect at once, without a cold start. The client is rebuilt only when the config changed.
        config = self._config()
        if config is None:
            raise NotConfigured(NOT_CONFIGURED)
        if self._client is None or config != self._current:
            self._client = openai.OpenAI(
                api_key=config.api_key, base_url=config.base_url, timeout=self._timeout, max_retries=1
            )
            self._current = config
            self._chosen_model = config.model or self._model
        return self._client
