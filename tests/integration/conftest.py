"""Integration harness: the real Lambda handlers on the stack serverless.yml describes, emulated in-process by moto.

Nothing here restates the deployment. The tables, queues, bus, rule, secrets, bucket, topic and SES configuration
set are read from infrastructure/*.yml and created with boto3 inside `mock_aws`. Each function's handler and
environment are read from serverless.yml: `${param:x}` from the stage's params, else params.default; the HTTP API's
id, which the framework makes, is the one in the stored API Gateway events, so tracking links point at the host
those events carry. A handler is imported from its file, fresh for every test because handlers build their clients
at cold start, with exactly the environment its function gets. It is invoked with event shapes from tests/events/
and a fake LambdaContext. Sent mail is read back from moto's SES backend and from the S3 archive the sender keeps.
"""

import base64
import copy
import email
import email.policy
import functools
import hashlib
import importlib.util
import json
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from types import ModuleType
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

import boto3
import pytest
import yaml
from emailseq.api.deps import clear_caches
from emailseq.auth import KeySet
from emailseq.dal.aws import bulk_client, client
from emailseq.dal.items import from_item, tenant_key, to_item
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "tests" / "events"
REGION = "us-east-1"
ACCOUNT = DEFAULT_ACCOUNT_ID
STAGE = "test"
SERVICE = "emailseq"
OWNER = {"tenant": "t1", "role": "owner", "sub": "dev:x"}
# Request bodies an HTTP API hands over as text; it base64-encodes every other content type (form posts included).
_TEXT_BODIES = ("text/", "application/json", "application/xml", "application/javascript")
# CloudFormation's pseudo parameters, as !Sub sees them in this account and region.
PSEUDO = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::URLSuffix": "amazonaws.com", "AWS::Partition": "aws"}
# Variables a Lambda container gets from its own function only: cleared between "containers" in this process.
_PER_FUNCTION_PREFIXES = ("EMAILSEQ_", "POWERTOOLS_", "AWS_LAMBDA_")


# --- reading the deployment files ------------------------------------------------------------------------------


class _CfnLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe loader (libyaml's when built) that reads CloudFormation short forms (!Ref X, !GetAtt X.Arn, !Join,
    !Sub) as their long forms."""


def _cfn_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(cast(yaml.MappingNode, node), deep=True)
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _cfn_tag)


def read_template(path: Path) -> Any:
    """The parsed file, parsed again only when it changed (every test builds a stack from the same files)."""
    return copy.deepcopy(_parsed(path, path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=16)
def _parsed(path: Path, mtime_ns: int) -> Any:
    return yaml.load(path.read_text(), Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass


def load_event(name: str) -> dict[str, Any]:
    """A stored event (a fresh copy: callers change it)."""
    path = EVENTS / name
    return cast(dict[str, Any], copy.deepcopy(_read_event(path, path.stat().st_mtime_ns)))


@functools.lru_cache(maxsize=32)
def _read_event(path: Path, mtime_ns: int) -> Any:
    return json.loads(path.read_text())


# --- the fake Lambda runtime ------------------------------------------------------------------------------------


@dataclass
class FakeLambdaContext:
    """What the Lambda runtime passes as `context` (the attributes Powertools and Mangum read)."""

    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    function_version: str = "$LATEST"

    def __post_init__(self) -> None:
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"2024/03/13/[$LATEST]{uuid.uuid4().hex}"
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class LambdaFunction:
    """One warm container of a function: its handler (imported once) and the environment it runs with."""

    name: str
    handler: Callable[[dict[str, Any], Any], Any]
    env: dict[str, str]
    timeout_seconds: int
    memory_mb: int
    stack: "Stack"
    module: ModuleType  # the handler's module: what it built at cold start (ports, settings) is reachable here

    def invoke(self, event: dict[str, Any]) -> Any:
        self.stack.apply_env(self.env)
        context = FakeLambdaContext(self.env["AWS_LAMBDA_FUNCTION_NAME"], self.memory_mb, self.timeout_seconds)
        return self.handler(event, context)


@dataclass(frozen=True)
class ApiResponse:
    status: int
    headers: dict[str, str]  # names lower-cased, as a client sees them
    body: Any  # parsed JSON, bytes for a base64-encoded (binary) body, else text


# --- the stack -------------------------------------------------------------------------------------------------


class Stack:
    """The resources of infrastructure/*.yml inside moto, and the functions of serverless.yml on top of them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch
        self._sls = read_template(ROOT / "serverless.yml")
        # ${param:x}: the stage's own value, else the default (as the framework resolves it)
        params = self._sls.get("params", {})
        self._params: dict[str, Any] = {**params.get("default", {}), **params.get(STAGE, {})}
        self.refs: dict[str, str] = {}  # logical id → what !Ref gives (table name, queue URL, bus name, secret ARN)
        self.arns: dict[str, str] = {}  # logical id → !GetAtt X.Arn
        self._warm: dict[str, LambdaFunction] = {}
        resources: dict[str, Any] = {}
        self._conditions: dict[str, Any] = {}
        for template in sorted((ROOT / "infrastructure").glob("*.yml")):
            parsed = read_template(template)
            resources.update(parsed["Resources"])
            self._conditions.update(parsed.get("Conditions", {}))
            for name, parameter in parsed.get("Parameters", {}).items():  # as deployed: with their defaults
                self.refs[name] = self.resolve(parameter["Default"])
        self._provision(resources)
        self.from_address = str(self._params["fromAddress"])
        _aws("ses").verify_email_identity(EmailAddress=self.from_address)
        self._add_domain_event_spy()

    # provisioning

    def _provision(self, resources: dict[str, Any]) -> None:
        of_type = lambda kind: {k: r.get("Properties", {}) for k, r in resources.items() if r["Type"] == kind}  # noqa: E731
        # The framework's own resources that infrastructure/*.yml refers to: each function (`<Name>LambdaFunction`,
        # an EventBridge rule's target), and the live feed's WebSocket API (no in-process stand-in: only its id).
        for function in self._sls["functions"]:
            arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{SERVICE}-{STAGE}-{function}"
            self.arns[f"{function[0].upper()}{function[1:]}LambdaFunction"] = arn
        self.refs["LiveApi"] = "wsapi00001"
        dynamodb = _aws("dynamodb")
        for logical, props in of_type("AWS::DynamoDB::Table").items():
            name = f"{SERVICE}-{STAGE}-{logical}"
            keys = ("BillingMode", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes")
            description = dynamodb.create_table(TableName=name, **{k: props[k] for k in keys if k in props})
            if ttl := props.get("TimeToLiveSpecification"):
                dynamodb.update_time_to_live(
                    TableName=name, TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True}
                )
            self.refs[logical], self.arns[logical] = name, description["TableDescription"]["TableArn"]

        sqs = _aws("sqs")
        queues = of_type("AWS::SQS::Queue")
        for logical in sorted(queues, key=lambda q: "RedrivePolicy" in queues[q]):  # dead-letter queues first
            attributes = {k: str(self.resolve(v)) for k, v in queues[logical].items() if k != "RedrivePolicy"}
            if redrive := queues[logical].get("RedrivePolicy"):
                attributes["RedrivePolicy"] = json.dumps(self.resolve(redrive))
            url = sqs.create_queue(QueueName=f"{SERVICE}-{STAGE}-{logical}", Attributes=attributes)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            self.refs[logical], self.arns[logical] = url, arn

        events = _aws("events")
        for logical, props in of_type("AWS::Events::EventBus").items():
            name = self.resolve(props["Name"])
            self.refs[logical], self.arns[logical] = name, events.create_event_bus(Name=name)["EventBusArn"]
        for logical, props in of_type("AWS::Events::Rule").items():
            if all(":function:" in self.resolve(t["Arn"]) for t in props["Targets"]):
                continue  # a rule → Lambda (the live feed's broadcaster): tests invoke the function with the event
            name, bus = f"{SERVICE}-{STAGE}-{logical}", self.resolve(props["EventBusName"])
            rule = events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(props["EventPattern"]))
            events.put_targets(Rule=name, EventBusName=bus, Targets=self.resolve(props["Targets"]))
            self.refs[logical], self.arns[logical] = name, rule["RuleArn"]
        for props in of_type("AWS::SQS::QueuePolicy").values():
            for url in self.resolve(props["Queues"]):
                policy = json.dumps(self.resolve(props["PolicyDocument"]))
                sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})

        kms = _aws("kms")
        for logical, props in of_type("AWS::KMS::Key").items():
            key = kms.create_key(Description=props["Description"])["KeyMetadata"]
            self.refs[logical], self.arns[logical] = key["KeyId"], key["Arn"]

        secretsmanager = _aws("secretsmanager")
        for logical, props in of_type("AWS::SecretsManager::Secret").items():
            generate = props["GenerateSecretString"]
            value = secretsmanager.get_random_password(
                PasswordLength=generate["PasswordLength"], ExcludePunctuation=generate["ExcludePunctuation"]
            )["RandomPassword"]
            if template := generate.get("SecretStringTemplate"):  # a JSON secret with the password under one key
                value = json.dumps({**json.loads(template), generate["GenerateStringKey"]: value})
            created = secretsmanager.create_secret(
                Name=f"{SERVICE}-{STAGE}-{logical}", Description=props["Description"], SecretString=value
            )
            self.refs[logical] = self.arns[logical] = created["ARN"]  # !Ref of a secret is its ARN

        s3 = _aws("s3")
        for logical, props in of_type("AWS::S3::Bucket").items():
            name = f"{SERVICE}-{STAGE}-{logical}".lower()
            s3.create_bucket(Bucket=name)
            if block := props.get("PublicAccessBlockConfiguration"):
                s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
            if encryption := props.get("BucketEncryption"):
                # CloudFormation's ServerSideEncryptionByDefault is the API's ApplyServerSideEncryptionByDefault
                rules = [
                    {("Apply" + k if k == "ServerSideEncryptionByDefault" else k): v for k, v in rule.items()}
                    for rule in encryption["ServerSideEncryptionConfiguration"]
                ]
                s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
            self.refs[logical], self.arns[logical] = name, f"arn:aws:s3:::{name}"

        sns = _aws("sns")
        for logical in of_type("AWS::SNS::Topic"):
            arn = sns.create_topic(Name=f"{SERVICE}-{STAGE}-{logical}")["TopicArn"]
            self.refs[logical] = self.arns[logical] = arn  # !Ref of a topic is its ARN
        for props in of_type("AWS::SNS::TopicPolicy").values():
            for arn in self.resolve(props["Topics"]):
                policy = json.dumps(self.resolve(props["PolicyDocument"]))
                sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=policy)

        ses = _aws("ses")
        for logical, props in of_type("AWS::SES::ConfigurationSet").items():
            name = self.resolve(props.get("Name", f"{SERVICE}-{STAGE}-{logical}"))
            ses.create_configuration_set(ConfigurationSet={"Name": name})
            self.refs[logical] = name
        for props in of_type("AWS::SES::ConfigurationSetEventDestination").values():
            destination = self.resolve(props["EventDestination"])
            if "SnsDestination" in destination:  # CloudFormation's SnsDestination is the API's SNSDestination
                destination["SNSDestination"] = destination.pop("SnsDestination")
            ses.create_configuration_set_event_destination(
                ConfigurationSetName=self.resolve(props["ConfigurationSetName"]), EventDestination=destination
            )

        # CloudFront has no in-process stand-in: a distribution is only its domain name here (the functions are
        # invoked directly, the edge is never on the path).
        for logical in of_type("AWS::CloudFront::Distribution"):
            self.refs[f"{logical}.DomainName"] = f"d{logical.lower()}.cloudfront.net"

        # The HTTP API is made by the framework from the functions' httpApi events, not by infrastructure/*.yml;
        # its id is the one API Gateway puts in the stored events (so links and requests name the same host).
        api_id = load_event("apigw_http_v2_put_sequence.json")["requestContext"]["apiId"]
        self.refs["HttpApi"] = api_id
        self.arns["HttpApi"] = f"arn:aws:apigateway:{REGION}::/apis/{api_id}"

    def _add_domain_event_spy(self) -> None:
        """Test-only subscriber: a queue that receives the domain events (facts) the functions publish."""
        sqs, events = _aws("sqs"), _aws("events")
        url = sqs.create_queue(QueueName="test-domain-event-spy")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        pattern = {"source": ["emailseq"], "detail-type": ["ContactEnrolled", "EmailSent", "EnrollmentConverted"]}
        events.put_rule(Name="test-domain-event-spy", EventBusName=self.bus_name, EventPattern=json.dumps(pattern))
        events.put_targets(
            Rule="test-domain-event-spy", EventBusName=self.bus_name, Targets=[{"Id": "spy", "Arn": arn}]
        )
        self.refs["DomainEventSpy"], self.arns["DomainEventSpy"] = url, arn

    def resolve(self, value: Any) -> Any:
        """Resolve !Ref / !GetAtt / !Join and ${sls:stage} / ${param:x} against what was provisioned."""
        if isinstance(value, str):
            if custom := re.fullmatch(r"\$\{self:custom\.(\w+)\}", value):
                return self.resolve(self._sls["custom"][custom.group(1)])
            value = value.replace("${sls:stage}", STAGE)
            return re.sub(r"\$\{param:(\w+)\}", lambda m: str(self._params[m.group(1)]), value)
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, dict):
            if set(value) == {"Ref"}:
                return PSEUDO[value["Ref"]] if value["Ref"] in PSEUDO else self.refs[value["Ref"]]
            if set(value) == {"Fn::GetAtt"}:
                logical, attribute = value["Fn::GetAtt"].split(".")
                assert attribute == "Arn", f"unsupported attribute {attribute}"
                return self.arns[logical]
            if set(value) == {"Fn::If"}:
                condition, if_true, if_false = value["Fn::If"]
                left, right = self.resolve(self._conditions[condition]["Fn::Equals"])
                return self.resolve(if_true if left == right else if_false)
            if set(value) == {"Fn::Join"}:
                separator, parts = value["Fn::Join"]
                return separator.join(self.resolve(parts))
            if set(value) == {"Fn::Sub"}:
                template, variables = value["Fn::Sub"], {}
                if isinstance(template, list):
                    template, variables = template[0], self.resolve(template[1])
                template = self.resolve(template)
                known = {**PSEUDO, **self.refs, **variables}
                return re.sub(r"\$\{([\w:.]+)\}", lambda m: str(known[m.group(1)]), template)
            return {k: self.resolve(v) for k, v in value.items()}
        return value

    # names

    @property
    def bus_name(self) -> str:
        return self.refs["EventBus"]

    @property
    def public_url(self) -> str:
        """Where the sender's tracking and unsubscribe links point (its EMAILSEQ_PUBLIC_URL)."""
        return self.function_env("sender")["EMAILSEQ_PUBLIC_URL"]

    @property
    def archive_bucket(self) -> str:
        return self.refs["DataBucket"]

    @property
    def token_secret(self) -> str:
        secretsmanager = _aws("secretsmanager")
        return str(secretsmanager.get_secret_value(SecretId=self.refs["TokenSecret"])["SecretString"])

    @property
    def token_keys(self) -> KeySet:
        return KeySet.parse(self.token_secret)

    # time travel

    @staticmethod
    def offset_to(moment: datetime) -> str:
        """EMAILSEQ_CLOCK_OFFSET_SECONDS that makes a function's clock read `moment` (plus the test's own runtime)."""
        return str((moment - datetime.now(UTC)).total_seconds())

    # functions

    def function_env(self, name: str, **overrides: str) -> dict[str, str]:
        """The environment serverless.yml gives function `name`, plus what the Lambda runtime sets."""
        provider, spec = self._sls["provider"], self._sls["functions"][name]
        declared = self.resolve({**provider["environment"], **spec.get("environment", {})})
        return {
            **{key: str(value) for key, value in declared.items()},
            "AWS_LAMBDA_FUNCTION_NAME": f"{SERVICE}-{STAGE}-{name}",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.get("memorySize", provider["memorySize"])),
            **overrides,
        }

    def apply_env(self, env: dict[str, str]) -> None:
        for key in list(os.environ):
            if key.startswith(_PER_FUNCTION_PREFIXES) and key not in env:
                self._monkeypatch.delenv(key)
        for key, value in env.items():
            self._monkeypatch.setenv(key, value)

    def cold_start(self, name: str, **env_overrides: str) -> LambdaFunction:
        """A new container of function `name`: its handler file imported afresh under its environment."""
        provider, spec = self._sls["provider"], self._sls["functions"][name]
        env = self.function_env(name, **env_overrides)
        self.apply_env(env)
        path, attribute = spec["handler"].rsplit(".", 1)
        module_spec = importlib.util.spec_from_file_location(f"lambda_{name}_{uuid.uuid4().hex}", ROOT / f"{path}.py")
        assert module_spec is not None
        assert module_spec.loader is not None
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        return LambdaFunction(
            name=name,
            handler=getattr(module, attribute),
            env=env,
            timeout_seconds=int(spec.get("timeout", provider["timeout"])),
            memory_mb=int(spec.get("memorySize", provider["memorySize"])),
            stack=self,
            module=module,
        )

    def warm(self, name: str) -> LambdaFunction:
        """The test's one warm container of `name` (cold-started on first use)."""
        if name not in self._warm:
            self._warm[name] = self.cold_start(name)
        return self._warm[name]

    def http_routes(self) -> list[tuple[str, str, str]]:
        """(function, method, path) of every httpApi route serverless.yml declares."""
        return [
            (name, event["httpApi"]["method"], event["httpApi"]["path"])
            for name, spec in self._sls["functions"].items()
            for event in spec.get("events", [])
            if "httpApi" in event
        ]

    # events

    @staticmethod
    def load_event(name: str) -> dict[str, Any]:
        return load_event(name)

    def authorizer_request(self, authorization: str | None) -> dict[str, Any]:
        """The REQUEST event (payload 2.0) API Gateway sends the authorizer for a call with this header."""
        event = load_event("authorizer_request_v2.json")
        event["requestContext"]["requestId"] = uuid.uuid4().hex[:16]
        event["requestContext"]["timeEpoch"] = int(time.time() * 1000)
        event["headers"].pop("authorization")
        event["identitySource"] = []
        if authorization is not None:
            event["headers"]["authorization"] = authorization
            event["identitySource"] = [authorization]
        return event

    # HTTP API (payload 2.0)

    def http_event(
        self,
        method: str,
        path: str,
        *,
        route_key: str,
        body: Any = None,
        caller: dict[str, str] | None = OWNER,
        query: str = "",
        path_parameters: dict[str, str] | None = None,
        template: str | None = None,
        content_type: str = "application/json",
    ) -> dict[str, Any]:
        if template is None:
            template = "apigw_http_v2_post_events.json" if path == "/v1/events" else "apigw_http_v2_put_sequence.json"
        event = load_event(template)
        context = event["requestContext"]
        event["routeKey"] = context["routeKey"] = route_key
        event["rawPath"] = context["http"]["path"] = path
        context["http"]["method"] = method
        context["requestId"] = uuid.uuid4().hex[:16]
        context["timeEpoch"] = int(time.time() * 1000)
        event["rawQueryString"] = query
        if query:
            event["queryStringParameters"] = dict(parse_qsl(query))
        event.pop("pathParameters", None)
        if path_parameters:
            event["pathParameters"] = path_parameters
        if caller is None:  # a public route, or a denial carried elsewhere: no authorizer section at all
            context.pop("authorizer", None)
            event["headers"].pop("authorization", None)
        else:
            context["authorizer"] = {"lambda": caller}
        event.pop("body", None)
        event["isBase64Encoded"] = False
        event["headers"].pop("content-length", None)
        event["headers"].pop("content-type", None)
        if body is not None:
            text = body if isinstance(body, str) else json.dumps(body)
            event["headers"]["content-type"] = content_type
            event["headers"]["content-length"] = str(len(text.encode()))
            textual = content_type.startswith(_TEXT_BODIES)
            event["body"] = text if textual else base64.b64encode(text.encode()).decode()
            event["isBase64Encoded"] = not textual
        return event

    def call_api(self, function: str, event: dict[str, Any]) -> ApiResponse:
        response = self.warm(function).invoke(event)
        headers = {name.lower(): value for name, value in (response.get("headers") or {}).items()}
        body: Any = response.get("body") or ""
        if response.get("isBase64Encoded"):
            body = base64.b64decode(body)
        elif body and headers.get("content-type", "").startswith("application/json"):  # a 204 has no body
            body = json.loads(body)
        return ApiResponse(response["statusCode"], headers, body)

    def follow(self, url: str, method: str = "GET", body: str | None = None) -> ApiResponse:
        """What API Gateway does with a request for a tracking link (public routes; the tracking function)."""
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == self.public_url, url
        kind, token = re.fullmatch(r"/t/([ocus])/([^/]+)", parts.path).groups()  # type: ignore[union-attr]
        template = "apigw_http_v2_post_unsubscribe.json" if method == "POST" else "apigw_http_v2_get_click.json"
        event = self.http_event(
            method,
            parts.path,
            route_key=f"{method} /t/{kind}/{{token}}",
            caller=None,
            path_parameters={"token": token},
            template=template,
            body=body,
            content_type="application/x-www-form-urlencoded",
        )
        return self.call_api("tracking", event)

    def put_sequence(self, document: dict[str, Any], caller: dict[str, str] | None = OWNER) -> ApiResponse:
        sequence_id = document["id"]
        event = self.http_event(
            "PUT",
            f"/v1/sequences/{sequence_id}",
            route_key="PUT /v1/sequences/{sequence_id}",
            body=document,
            caller=caller,
            path_parameters={"sequence_id": sequence_id},
        )
        return self.call_api("apiSequences", event)

    def get_sequence(
        self, sequence_id: str, caller: dict[str, str] | None = OWNER, report: bool = False
    ) -> ApiResponse:
        suffix = "/report" if report else ""
        event = self.http_event(
            "GET",
            f"/v1/sequences/{sequence_id}{suffix}",
            route_key=f"GET /v1/sequences/{{sequence_id}}{suffix}",
            caller=caller,
            path_parameters={"sequence_id": sequence_id},
        )
        return self.call_api("apiSequences", event)

    def report(self, sequence_id: str, caller: dict[str, str] | None = OWNER) -> dict[str, Any]:
        response = self.get_sequence(sequence_id, caller, report=True)
        assert response.status == 200, response
        return cast(dict[str, Any], response.body)

    def find_contact(self, email_address: str, caller: dict[str, str] | None = OWNER) -> ApiResponse:
        event = self.http_event(
            "GET", "/v1/contacts", route_key="GET /v1/contacts", caller=caller, query=f"email={email_address}"
        )
        return self.call_api("apiContacts", event)

    def post_event(self, body: Any, caller: dict[str, str] | None = OWNER) -> ApiResponse:
        event = self.http_event("POST", "/v1/events", route_key="POST /v1/events", body=body, caller=caller)
        return self.call_api("apiEvents", event)

    # queues

    def drain(self, queue: str) -> list[dict[str, Any]]:
        """Everything on a queue (received and deleted, as an event-source mapping does with a handled batch)."""
        sqs, url = _aws("sqs"), self.refs[queue]
        messages: list[dict[str, Any]] = []
        while batch := sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0, MessageSystemAttributeNames=["All"]
        ).get("Messages", []):
            messages += batch
            sqs.delete_message_batch(
                QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
            )
        return messages

    def receive(self, queue: str) -> list[dict[str, Any]]:
        """What is visible on `queue`, received but not deleted (as an event-source mapping polls it)."""
        sqs, url = _aws("sqs"), self.refs[queue]
        return cast(
            list[dict[str, Any]],
            sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0, MessageSystemAttributeNames=["All"]
            ).get("Messages", []),
        )

    def handle(self, queue: str, function: LambdaFunction, messages: list[dict[str, Any]]) -> Any:
        """Invoke `function` with received `messages` as an event-source mapping with ReportBatchItemFailures does:
        the records it handled are deleted, the failed ones stay in flight until their visibility timeout ends."""
        response = function.invoke(self.sqs_event(queue, messages))  # a wholly failed batch raises: none deleted
        failed = {failure["itemIdentifier"] for failure in response["batchItemFailures"]}
        handled = [m for m in messages if m["MessageId"] not in failed]
        if handled:
            _aws("sqs").delete_message_batch(
                QueueUrl=self.refs[queue],
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(handled)],
            )
        return response

    def visibility_lapses(self, queue: str, in_flight: list[dict[str, Any]]) -> None:
        """Time passes until these in-flight messages' visibility timeouts end: SQS offers them again."""
        sqs = _aws("sqs")
        for message in in_flight:
            sqs.change_message_visibility(
                QueueUrl=self.refs[queue], ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )

    def deliver(self, queue: str, function: LambdaFunction) -> list[dict[str, Any]]:
        """Hand what is on `queue` to `function` as its event-source mapping would; returns the messages delivered."""
        messages = self.drain(queue)
        if messages:
            assert function.invoke(self.sqs_event(queue, messages)) == {"batchItemFailures": []}
        return messages

    def sqs_event(self, queue: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """The event an SQS event-source mapping hands the function for these received messages."""
        template_name = (
            "sqs_enroller_eventbridge_envelope.json" if queue == "EnrollQueue" else "sqs_sender_send_step.json"
        )
        template = load_event(template_name)["Records"][0]
        records = []
        for message in messages:
            record = copy.deepcopy(template)
            record.update(
                messageId=message["MessageId"],
                receiptHandle=message["ReceiptHandle"],
                body=message["Body"],
                md5OfBody=message["MD5OfBody"],
                eventSourceARN=self.arns[queue],
            )
            attributes = message.get("Attributes", {})
            record["attributes"] = {k: attributes.get(k, v) for k, v in record["attributes"].items()}
            records.append(record)
        return {"Records": records}

    def sqs_record(self, queue: str, body: str, message_id: str | None = None) -> dict[str, Any]:
        """One record for a body written by the test (a redelivery, a malformed message, ...)."""
        message = {
            "MessageId": message_id or str(uuid.uuid4()),
            "ReceiptHandle": uuid.uuid4().hex,
            "Body": body,
            "MD5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
        }
        return cast(dict[str, Any], self.sqs_event(queue, [message])["Records"][0])

    def enroller_event(self, detail: dict[str, Any]) -> dict[str, Any]:
        """An enroll-queue delivery of an EventBridge envelope (from the template) whose detail is `detail`."""
        envelope = json.loads(load_event("sqs_enroller_eventbridge_envelope.json")["Records"][0]["body"])
        envelope.update(id=str(uuid.uuid4()), detail=detail)
        return {"Records": [self.sqs_record("EnrollQueue", json.dumps(envelope))]}

    def scheduled_event(self) -> dict[str, Any]:
        event = load_event("eventbridge_scheduled.json")
        event.update(id=str(uuid.uuid4()), time=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        return event

    # observations

    def sent_emails(self) -> list[EmailMessage]:
        """What SES accepted for sending, parsed back into messages."""
        sent = ses_backends[ACCOUNT][REGION].sent_messages
        return [
            cast(EmailMessage, email.message_from_string(m.raw_data, policy=email.policy.default))
            for m in sent
            if hasattr(m, "raw_data")
        ]

    def sent_to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.sent_emails() if message["To"] == address]

    @staticmethod
    def links(message: EmailMessage) -> list[str]:
        """The href of every link in the message's HTML part, in order."""
        html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
        return re.findall(r"""<a\b[^>]*?\bhref\s*=\s*["']([^"']+)["']""", html, re.IGNORECASE)

    @staticmethod
    def pixel(message: EmailMessage) -> str:
        """The open pixel's URL in the message's HTML part (there is exactly one)."""
        html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
        (src,) = re.findall(r"""<img\b[^>]*?\bsrc\s*=\s*["']([^"']+/t/o/[^"']+)["']""", html, re.IGNORECASE)
        return str(src)

    def ses_message_ids(self) -> list[str]:
        return [m.id for m in ses_backends[ACCOUNT][REGION].sent_messages]

    def archived(self, tenant: str = "t1") -> dict[str, EmailMessage]:
        """The sender's S3 archive of one tenant: SES message id → the message as it left."""
        s3 = _aws("s3")
        prefix = f"messages/{tenant}/"
        listed = s3.list_objects_v2(Bucket=self.archive_bucket, Prefix=prefix).get("Contents", [])
        found: dict[str, EmailMessage] = {}
        for entry in listed:
            raw = s3.get_object(Bucket=self.archive_bucket, Key=entry["Key"])["Body"].read()
            message_id = entry["Key"].rsplit("/", 1)[-1].removesuffix(".eml")  # under the contact's folder
            found[message_id] = cast(EmailMessage, email.message_from_bytes(raw, policy=email.policy.default))
        return found

    def item(self, pk: str, sk: str) -> dict[str, Any] | None:
        """One item of the data table as stored (plain values), or None."""
        response = _aws("dynamodb").get_item(
            TableName=self.refs["DataTable"], Key=to_item({"pk": pk, "sk": sk}), ConsistentRead=True
        )
        return from_item(response["Item"]) if "Item" in response else None

    def enrollment_item(self, contact_id: str, sequence_id: str, tenant: str = "t1") -> dict[str, Any]:
        found = self.item(tenant_key(tenant, "CONTACT", contact_id), f"ENROLLMENT#{sequence_id}")
        assert found is not None, (contact_id, sequence_id)
        return found

    def contact_item(self, contact_id: str, tenant: str = "t1") -> dict[str, Any]:
        found = self.item(tenant_key(tenant, "CONTACT", contact_id), "PROFILE")
        assert found is not None, contact_id
        return found

    def domain_events(self) -> list[tuple[str, dict[str, Any]]]:
        """(detail-type, detail) of every domain event published on the bus since the last call."""
        envelopes = [json.loads(m["Body"]) for m in self.drain("DomainEventSpy")]
        return [(e["detail-type"], e["detail"]) for e in envelopes]


@functools.cache
def _aws(service: str) -> Any:
    """The harness's own client of `service` (provisioning, observing), made once: clients hold no state of a test's,
    and the handlers' clients (emailseq.dal.aws.client, where tests hook failures in) are made per test."""
    return _sdk_session().client(service)  # type: ignore[call-overload]


@functools.cache
def _sdk_session() -> boto3.Session:
    """One SDK session for every test, so each service model is read from disk once rather than once per test.
    It holds nothing of a test's: credentials and region are the fixed dummy ones, clients are made per test."""
    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """A fresh emulated stack per test, with dummy credentials and no real endpoint anywhere in reach."""
    for key in list(os.environ):
        if key.startswith(("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN", *_PER_FUNCTION_PREFIXES)):
            monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    client.cache_clear()
    bulk_client.cache_clear()
    clear_caches()
    with mock_aws():
        boto3.DEFAULT_SESSION = _sdk_session()  # mock_aws cleared it; it puts its own value back when it stops
        yield Stack(monkeypatch)
    client.cache_clear()
    bulk_client.cache_clear()
    clear_caches()


@pytest.fixture
def onboarding() -> dict[str, Any]:
    """welcome → wait 1d → tips, triggered by `signed_up`."""
    return {
        "id": "onboarding",
        "name": "Onboarding",
        "trigger": {"event": "signed_up"},
        "steps": [
            {"id": "welcome", "email": {"subject": "Welcome, Ada", "html": "<p>Hi Ada!</p>"}},
            {"wait": "1d"},
            {"id": "tips", "email": {"subject": "Three tips", "html": "<p>One day in: three tips.</p>"}},
        ],
    }


@pytest.fixture
def welcome_sequence() -> dict[str, Any]:
    """welcome → wait 2d → follow-up, triggered by `signed_up`, ended early by `purchased`."""
    return {
        "id": "welcome",
        "name": "Welcome journey",
        "trigger": {"event": "signed_up"},
        "goal": {"event": "purchased"},
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
                "email": {"subject": "How is it going?", "html": "<p>Two days in: three tips.</p>"},
            },
        ],
    }
