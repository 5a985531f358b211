"""The packaged CloudFormation template: what `serverless package` writes is valid and has the shape we rely on."""

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.local_stack import ROOT, LocalStack

SERVERLESS = ROOT / "node_modules" / ".bin" / "serverless"


@pytest.fixture(scope="module")
def packaged(stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _package(stack, tmp_path_factory.mktemp("package"))


def _package(stack: LocalStack, out: Path, *options: str) -> Path:
    # serverless v3 asks CloudFormation for the last layer hashes while packaging, so it packages against the
    # local stack's endpoint (the serverless-localstack plugin) rather than a real account.
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "SLS_TELEMETRY_DISABLED": "1",
        "EMAILSEQ_LOCAL_PORT": stack.endpoint.rsplit(":", 1)[1],
    }
    subprocess.run(
        [str(SERVERLESS), "package", "--stage", "local", "--package", str(out), *options],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


@pytest.fixture(scope="module")
def template(packaged: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((packaged / "cloudformation-template-update-stack.json").read_text())
    return data


def _of_type(template: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def test_cfn_lint_passes_on_the_packaged_template(packaged: Path):
    _assert_cfn_lint_passes(packaged)


def _assert_cfn_lint_passes(packaged: Path) -> None:
    # W3005 (redundant DependsOn) is what Serverless itself writes; everything else must be clean.
    result = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "cfn-lint"),
            "-i",
            "W3005",
            "--",
            str(packaged / "cloudformation-template-update-stack.json"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_pipeline_queue_has_a_dead_letter_queue(template: dict[str, Any]):
    queues = _of_type(template, "AWS::SQS::Queue")
    pipeline = {name: q for name, q in queues.items() if "DeadLetter" not in name}
    assert pipeline, "no pipeline queues"
    for name, queue in pipeline.items():
        target = queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        assert target in queues, name
        assert "DeadLetter" in target, name


def test_the_table_has_the_schedulers_time_index(template: dict[str, Any]):
    (table,) = [t for n, t in _of_type(template, "AWS::DynamoDB::Table").items() if n == "DataTable"]
    indexes = {i["IndexName"]: i for i in table["Properties"]["GlobalSecondaryIndexes"]}
    assert [k["AttributeName"] for k in indexes["due"]["KeySchema"]] == ["due_pk", "due_sk"]
    assert table["Properties"]["BillingMode"] == "PAY_PER_REQUEST"


def test_every_route_but_the_spec_goes_through_the_authorizer(template: dict[str, Any]):
    routes = _of_type(template, "AWS::ApiGatewayV2::Route")
    assert len(routes) >= 5
    for route in routes.values():
        key = route["Properties"]["RouteKey"]
        protected = route["Properties"].get("AuthorizationType") == "CUSTOM"
        public = key == "GET /openapi.json" or key.split(" ")[1].startswith("/t/")  # spec, tracking links
        assert protected == (not public), key


def test_every_function_handler_exists_and_runs_python312(template: dict[str, Any]):
    functions = _of_type(template, "AWS::Lambda::Function")
    assert len(functions) == 10
    for function in functions.values():
        module, _, _ = function["Properties"]["Handler"].rpartition(".")
        assert (ROOT / (module.replace(".", "/") + ".py")).is_file(), module
        assert function["Properties"]["Runtime"] == "python3.12"


def test_the_scheduler_runs_every_minute(template: dict[str, Any]):
    rules = _of_type(template, "AWS::Events::Rule")
    assert any(r["Properties"].get("ScheduleExpression") == "rate(1 minute)" for r in rules.values())


def _sender_environment(template: dict[str, Any]) -> dict[str, Any]:
    (sender,) = [f for n, f in _of_type(template, "AWS::Lambda::Function").items() if n == "SenderLambdaFunction"]
    return dict(sender["Properties"]["Environment"]["Variables"])


def test_the_sender_sends_through_ses_by_default_and_may_read_the_quota_and_the_smtp_secret(template: dict[str, Any]):
    environment = _sender_environment(template)
    assert environment["EMAILSEQ_MAIL_PROVIDER"] == "ses"
    assert environment["EMAILSEQ_SMTP_SECRET_ID"] == "emailseq/local/smtp"
    statements = json.dumps(template["Resources"]["IamRoleLambdaExecution"]["Properties"]["Policies"])
    assert "ses:GetAccount" in statements
    assert "secret:emailseq/local/smtp-*" in statements


@pytest.fixture(scope="module")
def packaged_smtp(stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _package(stack, tmp_path_factory.mktemp("package-smtp"), "--param=mailProvider=smtp")


def test_a_stage_packaged_for_smtp_passes_cfn_lint_and_tells_the_sender(packaged_smtp: Path):
    _assert_cfn_lint_passes(packaged_smtp)
    template = json.loads((packaged_smtp / "cloudformation-template-update-stack.json").read_text())
    assert _sender_environment(template)["EMAILSEQ_MAIL_PROVIDER"] == "smtp"
