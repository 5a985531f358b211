"""Quantum worker: one queued job per message → classical solvers, QAOA where this package has the SDKs, result.

Its package adds the quantum layer (docs/quantum.md: numpy only on the zip function; the container image has
the full stack). A job it cannot run quantumly still succeeds with the classical answer and says why.
"""

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from emailseq.logic.quantum_jobs import run_job
from emailseq.settings import QuantumWorkerSettings
from emailseq.wiring import quantum_job_ports, quantum_solver

logger = Logger(service="quantum-worker")
settings = QuantumWorkerSettings()
ports, solve = quantum_job_ports(settings), quantum_solver(settings)
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    order = json.loads(record.body)
    job = run_job(ports, order["tenant_id"], order["job_id"], solve)
    status = job.status.value if job else "nothing to do"
    logger.info("quantum job handled", extra={"job_id": order["job_id"], "status": status})


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
