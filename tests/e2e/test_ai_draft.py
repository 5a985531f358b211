"""AI drafting on the local stack: `emailseq ai configure` stores the key, `emailseq ai draft` writes a document
through the deployed apiAi function and its OpenAI client, and `emailseq sequences apply` accepts it. The model is
the test double of an OpenAI-compatible server (tests/support/openai_double.py), never used by `make run`."""

from pathlib import Path

import pytest
import yaml

from tests.support.local_stack import cli
from tests.support.openai_double import API_KEY, openai_double

pytestmark = pytest.mark.e2e


def test_a_drafted_sequence_is_accepted_by_sequences_apply(stack, unique, tmp_path: Path, monkeypatch):
    with openai_double() as double:
        # Given the key and the compatible server's URL stored where the deployed API reads them
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", double.base_url)
        cli("ai", "configure")
        # When a two-email sequence is drafted into a file
        out = tmp_path / "drafted.yaml"
        cli("ai", "draft", "--brief", "Onboarding for a CRM for bakeries", "--emails", "2", "--id", f"ai-{unique}",
            "--out", str(out))  # fmt: skip
    # Then the file holds the sequence, and `sequences apply` accepts it as version 1
    drafted = yaml.safe_load(out.read_text())
    assert drafted["id"] == f"ai-{unique}"
    assert len([s for s in drafted["steps"] if "email" in s]) == 2
    assert double.requests[0]["text"]["format"]["name"] == "DraftedSequence"
    assert f"sequence ai-{unique} version 1 (new version)" in cli("sequences", "apply", str(out)).stdout
