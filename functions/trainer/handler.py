"""Trainer: runs daily; fits each tenant's engagement / churn model and stores it (with its held-out AUC) in S3."""

from datetime import timedelta
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from emailseq.logic.train import train_all
from emailseq.settings import TrainerSettings
from emailseq.wiring import train_ports

logger = Logger(service="trainer")
settings = TrainerSettings()
ports = train_ports(settings)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    results = train_all(ports, timedelta(days=settings.churn_horizon_days))
    for result in results:
        logger.info(
            "engagement model", extra={"tenant": result.tenant_id, "outcome": result.outcome, "auc": result.auc}
        )
    return {"tenants": len(results), "trained": sum(r.outcome == "trained" for r in results)}
