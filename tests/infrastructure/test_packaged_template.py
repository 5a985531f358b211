"""The packaged CloudFormation template: what `serverless package` writes is valid and has the shape we rely on."""

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.local_stack import ROOT
from tests.support.packaging import TEMPLATE, Packaged, Packages


@pytest.fixture(scope="module")
def packaged(packages: Packages) -> Path:
    """What `serverless package --stage local` wrote: the artifacts this session's `local up` deployed."""
    return packages.get("local").directory


@pytest.fixture(scope="module")
def template(packaged: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((packaged / TEMPLATE).read_text())
    return data


@pytest.fixture(scope="module")
def default_template(packages: Packages) -> dict[str, Any]:
    """The template as the default (AWS) stage gets it (tests/support/packaging.py)."""
    data: dict[str, Any] = json.loads(packages.get("default").template_file.read_text())
    return data


def _of_type(template: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def test_cfn_lint_passes_on_the_packaged_template(packages: Packages):
    _assert_cfn_lint_passed(packages.get("local"))


def _assert_cfn_lint_passed(packaged: Packaged) -> None:
    # W3005 (redundant DependsOn) is what Serverless itself writes; everything else must be clean.
    assert packaged.lint.returncode == 0, packaged.lint.stdout + packaged.lint.stderr


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
    # The HTTP API's routes (the live feed's WebSocket routes, "$connect" etc., check the token in their function)
    routes = {
        name: route
        for name, route in _of_type(template, "AWS::ApiGatewayV2::Route").items()
        if " " in route["Properties"]["RouteKey"]
    }
    assert len(routes) >= 5
    for route in routes.values():
        key = route["Properties"]["RouteKey"]
        protected = route["Properties"].get("AuthorizationType") == "CUSTOM"
        public = key == "GET /openapi.json" or key.split(" ")[1].startswith("/t/")  # spec, tracking links
        assert protected == (not public), key


def test_every_function_handler_exists_and_runs_python312(template: dict[str, Any]):
    functions = _of_type(template, "AWS::Lambda::Function")
    # one Lambda per folder of functions/, none forgotten in serverless.yml
    assert len(functions) == len(list((ROOT / "functions").glob("*/handler.py")))
    for function in functions.values():
        module, _, _ = function["Properties"]["Handler"].rpartition(".")
        assert (ROOT / (module.replace(".", "/") + ".py")).is_file(), module
        assert function["Properties"]["Runtime"] == "python3.12"


def test_the_scheduler_runs_every_minute(template: dict[str, Any]):
    rules = _of_type(template, "AWS::Events::Rule")
    assert any(r["Properties"].get("ScheduleExpression") == "rate(1 minute)" for r in rules.values())


# -- the edge (infrastructure/edge.yml), as the default stage deploys it -------------------------------------------

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CloudFront's managed CachingDisabled policy


def _edge_is_on(template: dict[str, Any]) -> bool:
    """The condition as deployed: the template parameter (its stage's default) equals "on"."""
    assert template["Conditions"]["EdgeDistributionEnabled"] == {"Fn::Equals": [{"Ref": "EdgeDistribution"}, "on"]}
    return bool(template["Parameters"]["EdgeDistribution"]["Default"] == "on")


def _tracking_behaviour(template: dict[str, Any]) -> dict[str, Any]:
    distribution = template["Resources"]["TrackingDistribution"]["Properties"]["DistributionConfig"]
    (behaviour,) = [b for b in distribution["CacheBehaviors"] if b["PathPattern"] == "/t/*"]
    return dict(behaviour)


def test_the_default_stage_puts_a_distribution_in_front_of_the_http_api(default_template: dict[str, Any]):
    assert _edge_is_on(default_template)
    distribution = default_template["Resources"]["TrackingDistribution"]
    assert distribution["Type"] == "AWS::CloudFront::Distribution"
    assert distribution["Condition"] == "EdgeDistributionEnabled"
    (origin,) = distribution["Properties"]["DistributionConfig"]["Origins"]
    assert origin["DomainName"] == {"Fn::Sub": "${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"


def test_tracking_routes_go_through_uncached_over_https_with_post_allowed(default_template: dict[str, Any]):
    behaviour = _tracking_behaviour(default_template)
    assert behaviour["CachePolicyId"] == CACHING_DISABLED
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    assert "POST" in behaviour["AllowedMethods"]  # RFC 8058 one-click unsubscribe
    assert behaviour["TargetOriginId"] == "http-api"


def test_the_origin_request_policy_forwards_query_user_agent_and_reader_but_not_host(default_template: dict[str, Any]):
    behaviour = _tracking_behaviour(default_template)
    assert behaviour["OriginRequestPolicyId"] == {"Ref": "TrackingOriginRequestPolicy"}
    policy = default_template["Resources"]["TrackingOriginRequestPolicy"]["Properties"]["OriginRequestPolicyConfig"]
    assert policy["QueryStringsConfig"]["QueryStringBehavior"] == "all"
    headers = policy["HeadersConfig"]
    assert headers["HeaderBehavior"] == "whitelist"
    assert {"User-Agent", "CloudFront-Viewer-Address"} <= set(headers["Headers"])
    assert "Host" not in headers["Headers"]  # API Gateway answers 403 to a Host other than its own


def test_tracking_links_use_the_distributions_domain_where_it_exists(default_template: dict[str, Any]):
    functions = _of_type(default_template, "AWS::Lambda::Function")
    public_url = functions["SenderLambdaFunction"]["Properties"]["Environment"]["Variables"]["EMAILSEQ_PUBLIC_URL"]
    condition, with_edge, without_edge = public_url["Fn::If"]
    assert condition == "EdgeDistributionEnabled"
    assert with_edge == {"Fn::Sub": "https://${TrackingDistribution.DomainName}"}
    assert without_edge == {"Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}


def test_the_default_stage_runs_no_spam_checker_and_the_local_one_does(
    default_template: dict[str, Any], template: dict[str, Any]
):
    def spamd(t: dict[str, Any]) -> str:
        api = _of_type(t, "AWS::Lambda::Function")["ApiSequencesLambdaFunction"]
        return str(api["Properties"]["Environment"]["Variables"]["EMAILSEQ_SPAMD_ADDRESS"])

    assert spamd(default_template) == "off"
    assert spamd(template).startswith("127.0.0.1:")


def test_the_local_stage_leaves_the_distribution_out(template: dict[str, Any]):
    assert not _edge_is_on(template)


def test_cfn_lint_passes_on_the_default_stages_template(packages: Packages):
    _assert_cfn_lint_passed(packages.get("default"))


def _sender_environment(template: dict[str, Any]) -> dict[str, Any]:
    (sender,) = [f for n, f in _of_type(template, "AWS::Lambda::Function").items() if n == "SenderLambdaFunction"]
    return dict(sender["Properties"]["Environment"]["Variables"])


def test_the_sender_sends_through_ses_by_default_and_may_read_the_quota_and_the_smtp_secret(template: dict[str, Any]):
    environment = _sender_environment(template)
    assert environment["EMAILSEQ_MAIL_PROVIDER"] == "ses"
    assert environment["EMAILSEQ_SMTP_SECRET_ID"] == "emailseq/local/smtp"
    statements = json.dumps(_statements(_function_roles(template)["Sender"]))
    assert "ses:GetAccount" in statements
    assert "secret:emailseq/local/smtp-*" in statements


def test_a_stage_packaged_for_smtp_passes_cfn_lint_and_tells_the_sender(packages: Packages):
    smtp = packages.get("smtp")
    _assert_cfn_lint_passed(smtp)
    template = json.loads(smtp.template_file.read_text())
    assert _sender_environment(template)["EMAILSEQ_MAIL_PROVIDER"] == "smtp"


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
_CONTACTS = _ENGINE | {"dynamodb:BatchWriteItem"}  # contacts in bulk, lists, segments, imports
_PII = {"kms:GenerateDataKey", "kms:Decrypt", "secretsmanager:GetSecretValue"}  # sealed contact fields
_SES = {"ses:SendEmail", "ses:SendRawEmail"}
_LIVE = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"}  # live feed connections
EXPECTED_ACTIONS = {
    "Authorizer": {"secretsmanager:GetSecretValue", "dynamodb:GetItem"},
    "ApiSequences": _ENGINE | _PII | {"sqs:SendMessage", "events:PutEvents"} | _CLOCK,
    "ApiEvents": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"}
    | {"dynamodb:Query", "events:PutEvents"}
    | _CLOCK,
    "ApiContacts": _ENGINE | _PII | {"s3:ListBucket", "s3:DeleteObject"} | _CLOCK,
    "ApiAudiences": _CONTACTS | _PII | {"sqs:SendMessage"} | _CLOCK,
    "ApiImports": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "s3:GetObject", "s3:PutObject"}
    | _CLOCK,
    "Importer": _CONTACTS
    | _PII
    | _SQS_SOURCE
    | {"s3:GetObject", "s3:PutObject", "s3:ListBucket", "sqs:SendMessage"}
    | _CLOCK,
    "ApiKeys": {"dynamodb:PutItem", "dynamodb:Query", "dynamodb:DeleteItem"} | _CLOCK,
    "ApiDocs": set(),
    "ApiAi": {"dynamodb:GetItem", "secretsmanager:GetSecretValue"},
    "Replies": {"dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem", "dynamodb:ConditionCheckItem"}
    | {"s3:GetObject", "secretsmanager:GetSecretValue"}
    | _SQS_SOURCE
    | _CLOCK,
    "Tracking": _CONTACTS | _PII | _CLOCK | {"events:PutEvents"},
    "Feedback": {"dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem", "dynamodb:ConditionCheckItem"}
    | {"secretsmanager:GetSecretValue"}
    | _CLOCK,
    "Enroller": _CONTACTS | _PII | _SQS_SOURCE | {"sqs:SendMessage", "events:PutEvents"} | _CLOCK,
    "Scheduler": _ENGINE | {"sqs:SendMessage"} | _CLOCK,
    "Sender": _ENGINE
    | _PII
    | _SQS_SOURCE
    | _SES
    | {"sqs:ChangeMessageVisibility", "sqs:GetQueueUrl", "sqs:SendMessage", "s3:PutObject", "ses:GetAccount"}
    | {"events:PutEvents"}
    | {"s3:GetObject", "s3:ListBucket"}  # engagement models (send_at: optimal, score branches)
    | _CLOCK,
    "Trainer": {"dynamodb:Query", "s3:GetObject", "s3:PutObject", "s3:ListBucket"} | _CLOCK,
    "OptIn": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    | _PII
    | _SQS_SOURCE
    | _SES
    | {"s3:PutObject"}
    | _CLOCK,
    "ApiQuantum": {"dynamodb:GetItem", "dynamodb:PutItem", "s3:GetObject", "sqs:SendMessage"} | _CLOCK,
    "QuantumWorker": {"dynamodb:GetItem", "dynamodb:UpdateItem", "s3:PutObject"} | _SQS_SOURCE | _CLOCK,
    "Analytics": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"} | _SQS_SOURCE,
    "Webhooks": {"dynamodb:Query", "sqs:SendMessage"} | _SQS_SOURCE | _CLOCK,
    "WebhookDelivery": {"dynamodb:GetItem", "dynamodb:PutItem", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl"}
    | _PII
    | _SQS_SOURCE
    | _CLOCK,
    "ApiAnalytics": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem", "s3:PutObject", "s3:GetObject"}
    | _PII
    | _CLOCK,
    "ApiWebhooks": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"} | _PII | _CLOCK,
    "LiveConnect": _LIVE | {"secretsmanager:GetSecretValue"} | _CLOCK,
    "LiveDisconnect": _LIVE | _CLOCK,
    "LiveBroadcast": _LIVE | {"execute-api:ManageConnections"} | _SQS_SOURCE | _CLOCK,
    "ApiContent": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"} | _CLOCK,
    "Recommender": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:PutItem"} | _SQS_SOURCE,
}
# Resources only these functions may reach.
EXCLUSIVE = {
    "TokenSecret": {"Authorizer", "LiveConnect"},  # the live feed's $connect verifies the same tokens
    "IdempotencyTable": {"Sender", "OptIn"},
    "DataBucket": {
        "Sender",
        "OptIn",
        "ApiContacts",
        "ApiImports",
        "Importer",
        "ApiQuantum",
        "QuantumWorker",
        "ApiAnalytics",
        "Trainer",
        "Replies",
    },
}
# Actions IAM cannot scope to a resource (no resource type): the only "*" resources allowed outside the logs.
UNSCOPABLE = {"ses:GetAccount"}


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
                assert resource != "*" or set(actions) <= UNSCOPABLE, (name, actions)
                if resource == "*":
                    continue
                # A wildcard may only end a path under a named resource (log streams, the archive's objects,
                # the stage's parameters); never stand for a whole service, account or region.
                if "*" in text and not is_logs:
                    assert text.count("*") == 1, (name, text)
                    # (a secret's ARN ends in a random suffix: "-*" after its full name)
                    assert text.rstrip('"]}').endswith(("/*", "-*")), (name, text)
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


def test_the_token_secret_the_idempotency_table_and_the_bucket_are_reachable_only_by_their_functions(
    template: dict[str, Any],
):
    for name, role in _function_roles(template).items():
        reached = json.dumps([s["Resource"] for s in _statements(role)])
        for resource, owners in EXCLUSIVE.items():
            assert (f'"{resource}"' in reached) == (name in owners), (name, resource)


def test_ses_sending_is_scoped_to_the_sender_identity_and_the_configuration_set(template: dict[str, Any]):
    sender = _function_roles(template)["Sender"]
    (ses,) = [s for s in _statements(sender) if "ses:SendRawEmail" in _as_list(s["Action"])]
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


def test_only_the_quantum_worker_carries_the_quantum_layer(template: dict[str, Any]):
    # The quantum stack never rides on the core functions: their packages and layers stay as small as they were.
    for name, function in _of_type(template, "AWS::Lambda::Function").items():
        layers = json.dumps(function["Properties"].get("Layers", []))
        assert ("QuantumLambdaLayer" in layers) == (name == "QuantumWorkerLambdaFunction"), name


# -- observability (infrastructure/observability.yml, docs/observability.md) ------------------------------------------


def _dead_letter_queues(template: dict[str, Any]) -> set[str]:
    """Every queue some queue's RedrivePolicy names as its dead-letter target."""
    targets = set()
    for queue in _of_type(template, "AWS::SQS::Queue").values():
        redrive = queue["Properties"].get("RedrivePolicy")
        if redrive:
            targets.add(redrive["deadLetterTargetArn"]["Fn::GetAtt"][0])
    return targets


def test_every_dead_letter_queue_has_an_alarm_at_its_first_message(template: dict[str, Any]):
    # Given the queues that are dead-letter targets, and the alarms on an SQS queue's visible messages
    dead_letter_queues = _dead_letter_queues(template)
    watched = {}
    for alarm in _of_type(template, "AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        if (props["Namespace"], props["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible"):
            (dimension,) = props["Dimensions"]
            watched[dimension["Value"]["Fn::GetAtt"][0]] = props
    # Then each dead-letter queue has one, raised by a single message and notifying the alarm topic
    assert len(dead_letter_queues) >= 4
    assert dead_letter_queues <= set(watched)
    for queue in dead_letter_queues:
        props = watched[queue]
        assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanThreshold", 0)
        assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_the_send_error_rate_has_an_alarm_on_the_metric_the_sender_emits(template: dict[str, Any]):
    from emailseq.observability import SEND_ERROR_RATE

    alarms = [a["Properties"] for a in _of_type(template, "AWS::CloudWatch::Alarm").values()]
    (alarm,) = [a for a in alarms if a["MetricName"] == SEND_ERROR_RATE]
    assert (alarm["Namespace"], alarm["Statistic"]) == ("emailseq", "Average")
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "emailseq"}]
    assert 0 < float(alarm["Threshold"]) < 100
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_the_dashboard_shows_every_dead_letter_queue_and_the_send_error_rate(template: dict[str, Any]):
    (dashboard,) = _of_type(template, "AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    json.loads(body)  # valid JSON before substitution (the ${...} are inside strings)
    for queue in _dead_letter_queues(template):
        assert "${" + queue + ".QueueName}" in body
    assert '"SendErrorRate"' in body


def test_the_aws_stage_carries_no_chaos_layer_nor_chaos_settings(default_template: dict[str, Any]):
    # Given the template as AWS gets it / Then nothing in it names the local stack's fault-injection layer
    # (docs/chaos.md: the local tooling attaches it after deploying, to the emulator's functions only)
    assert "chaos" not in json.dumps(default_template).lower()
    layers = _of_type(default_template, "AWS::Lambda::LayerVersion")
    assert sorted(layers) == [
        "AiLambdaLayer",
        "AppLambdaLayer",
        "DepsLambdaLayer",
        "QuantumLambdaLayer",
        "ReplyModelLambdaLayer",
    ]


def test_no_packaged_artifact_holds_the_chaos_hook_or_a_pth_file(packaged: Path):
    # Given every zip serverless packaged (functions and layers, the same for every stage)
    import zipfile

    names = [name for zipped in packaged.glob("*.zip") for name in zipfile.ZipFile(zipped).namelist()]
    # Then none holds the chaos hook or a .pth file (which would run code at start-up)
    assert names, "serverless packaged no artifacts"
    assert not [name for name in names if "chaos" in name.lower() or name.endswith(".pth")]
