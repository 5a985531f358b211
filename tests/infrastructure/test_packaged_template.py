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
    # serverless v3 asks CloudFormation for the last layer hashes while packaging, so it packages against the
    # local stack's endpoint (the serverless-localstack plugin) rather than a real account.
    out = tmp_path_factory.mktemp("package")
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "SLS_TELEMETRY_DISABLED": "1",
        "EMAILSEQ_LOCAL_PORT": stack.endpoint.rsplit(":", 1)[1],
    }
    subprocess.run(
        [str(SERVERLESS), "package", "--stage", "local", "--package", str(out)],
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
    assert len(functions) == 11  # apiKeys joined the ten
    for function in functions.values():
        module, _, _ = function["Properties"]["Handler"].rpartition(".")
        assert (ROOT / (module.replace(".", "/") + ".py")).is_file(), module
        assert function["Properties"]["Runtime"] == "python3.12"


def test_the_scheduler_runs_every_minute(template: dict[str, Any]):
    rules = _of_type(template, "AWS::Events::Rule")
    assert any(r["Properties"].get("ScheduleExpression") == "rate(1 minute)" for r in rules.values())


# --- least-privilege IAM: one role per function, no wildcards outside the CloudWatch Logs basics ----------------

_ENGINE = {
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
}
_CLOCK = {"ssm:GetParameter"}
_SQS_SOURCE = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}  # its event-source mapping
# What each function's code calls (the dal adapters its wiring builds), beyond writing its own logs.
EXPECTED_ACTIONS = {
    "Authorizer": {"secretsmanager:GetSecretValue", "dynamodb:GetItem"},
    "ApiSequences": _ENGINE | {"sqs:SendMessage", "events:PutEvents"} | _CLOCK,
    "ApiEvents": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"}
    | {"events:PutEvents"}
    | _CLOCK,
    "ApiContacts": {"dynamodb:GetItem", "dynamodb:Query"} | _CLOCK,
    "ApiKeys": {"dynamodb:PutItem", "dynamodb:Query", "dynamodb:DeleteItem"} | _CLOCK,
    "ApiDocs": set(),
    "Tracking": _ENGINE | {"secretsmanager:GetSecretValue"} | _CLOCK,
    "Feedback": {"dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem", "dynamodb:ConditionCheckItem"} | _CLOCK,
    "Enroller": _ENGINE | _SQS_SOURCE | {"sqs:SendMessage", "events:PutEvents"} | _CLOCK,
    "Scheduler": _ENGINE | {"sqs:SendMessage"} | _CLOCK,
    "Sender": _ENGINE
    | _SQS_SOURCE
    | {"sqs:ChangeMessageVisibility", "sqs:GetQueueUrl", "s3:PutObject", "ses:SendEmail", "ses:SendRawEmail"}
    | {"secretsmanager:GetSecretValue", "events:PutEvents"}
    | _CLOCK,
}
# Resources only one function may reach.
EXCLUSIVE = {"TokenSecret": "Authorizer", "IdempotencyTable": "Sender", "DataBucket": "Sender"}


def _statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for policy in role["Properties"].get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _function_roles(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    functions = _of_type(template, "AWS::Lambda::Function")
    roles = {}
    for name, function in functions.items():
        role_ref = function["Properties"]["Role"]["Fn::GetAtt"][0]
        roles[name.removesuffix("LambdaFunction")] = template["Resources"][role_ref]
    return roles


def test_no_role_allows_a_wildcard_action_or_resource_outside_the_log_basics(template: dict[str, Any]):
    for name, role in _of_type(template, "AWS::IAM::Role").items():
        for statement in _statements(role):
            actions = _as_list(statement["Action"])
            is_logs = all(action.startswith("logs:") for action in actions)
            assert not any("*" in action for action in actions), (name, actions)
            assert statement["Effect"] == "Allow", name
            for resource in _as_list(statement["Resource"]):
                text = json.dumps(resource)
                assert resource != "*", (name, actions)
                # A wildcard may only end a path under a named resource (log streams, the archive's objects,
                # the stage's parameters); never stand for a whole service, account or region.
                if "*" in text and not is_logs:
                    assert text.count("*") == 1, (name, text)
                    assert text.rstrip('"]}').endswith("/*"), (name, text)
                    assert ":::*" not in text, (name, text)
                    assert ":*:" not in text, (name, text)


def test_each_function_has_its_own_role_with_exactly_what_its_code_calls(template: dict[str, Any]):
    roles = _function_roles(template)
    assert set(roles) == set(EXPECTED_ACTIONS), "a function was added: list what it calls in EXPECTED_ACTIONS"
    role_names = [
        json.dumps(function["Properties"]["Role"]) for function in _of_type(template, "AWS::Lambda::Function").values()
    ]
    assert len(set(role_names)) == len(role_names), "two functions share a role"
    for name, role in roles.items():
        granted = {a for s in _statements(role) for a in _as_list(s["Action"]) if not a.startswith("logs:")}
        assert granted == EXPECTED_ACTIONS[name], (name, granted ^ EXPECTED_ACTIONS[name])


def test_secrets_the_idempotency_table_and_the_archive_are_reachable_only_by_their_one_function(
    template: dict[str, Any],
):
    for name, role in _function_roles(template).items():
        reached = json.dumps([s["Resource"] for s in _statements(role)])
        for resource, owner in EXCLUSIVE.items():
            assert (f'"{resource}"' in reached) == (name == owner), (name, resource)


def test_ses_sending_is_scoped_to_the_sender_identity_and_the_configuration_set(template: dict[str, Any]):
    sender = _function_roles(template)["Sender"]
    (ses,) = [s for s in _statements(sender) if any(a.startswith("ses:") for a in _as_list(s["Action"]))]
    resources = json.dumps(ses["Resource"])
    assert ":identity/" in resources
    assert ":configuration-set/${MailConfigurationSet}" in resources
    assert "*" not in resources


def test_the_api_is_throttled_and_the_authorizer_pins_its_identity_source(template: dict[str, Any]):
    stage = template["Resources"]["HttpApiStage"]["Properties"]["DefaultRouteSettings"]
    assert stage["ThrottlingRateLimit"] > 0
    assert stage["ThrottlingBurstLimit"] >= stage["ThrottlingRateLimit"]
    (authorizer,) = _of_type(template, "AWS::ApiGatewayV2::Authorizer").values()
    assert authorizer["Properties"]["IdentitySource"] == ["$request.header.Authorization"]
