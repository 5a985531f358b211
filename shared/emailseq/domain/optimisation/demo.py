"""The demo sequence (examples/demo-sequence.yaml, the one `make run` seeds for the demo tenant) as a document.

A quantum job without a sequence id is built from it. The worker's package has no examples/ folder, so the
document lives here too; a unit test keeps it equal to the file.
"""

from typing import Any

from emailseq.domain.sequence import SequenceDocument

DEMO_SEQUENCE: dict[str, Any] = {
    "id": "demo-welcome",
    "name": "Demo welcome",
    "trigger": {"event": "demo.started"},
    "goal": {"event": "demo.converted"},
    "steps": [
        {
            "id": "welcome",
            "email": {
                "subject": "Welcome, {{ contact.first_name | default('there') }}",
                "html": "<p>Hi {{ contact.first_name | default('there') }}!</p>"
                "<p><a href='https://example.com/start'>Get started</a></p>",
            },
        },
        {"wait": "2d"},
        {
            "id": "follow-up",
            "email": {
                "subject": "How is it going?",
                "html": "<p>Two days in: <a href='https://example.com/tips'>three tips</a> to get more out of it.</p>",
            },
        },
    ],
}


def demo_sequence() -> SequenceDocument:
    return SequenceDocument.model_validate(DEMO_SEQUENCE)
