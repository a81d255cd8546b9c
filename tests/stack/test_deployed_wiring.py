"""The deployed wiring is the tested wiring.

The app is synthesized with its assets bundled for real (pip for the Lambda platform), the
template is deployed into moto's CloudFormation with the asset zips in the bootstrap bucket,
and an order runs end to end on the resources CloudFormation created: a dispatcher plays the
event source mappings that CloudFormation created (queue, function, batch size), calling the
handler each function's configuration names, with the environment it sets, imported from the
code and layer zips that CloudFormation deployed. Nothing here names a resource or a handler:
a module missing from an asset, a variable the template forgets, a queue wired to the wrong
function all fail this test. Requests reach the API function through the REST API's routes
as CloudFormation created them (method, authorization, proxy integration to a function).
"""

from __future__ import annotations

import importlib
import io
import json
import os
import sys
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from durable import _settings as settings
from stacks.bundling import PROJECT_ROOT, build_id

# moto's CloudFormation skips the queues' TLS policies and CDK's metadata (the template tests
# check those): it says so in a warning per resource.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS.*not supported:UserWarning")

REGION = "us-east-1"
# The CDK's default bootstrap qualifier: the bucket and the SSM parameter `cdk bootstrap` creates.
QUALIFIER = "hnb659fds"
PACKAGES = ("durable", "functions", "statemachines")


@dataclass
class Assembly:
    stack_name: str
    template: dict[str, Any]
    assets: dict[str, Any]
    outdir: Path


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Assembly:
    """``cdk synth`` with bundling: the layer is pip-installed for manylinux2014_aarch64."""
    from stacks.app import build_app

    outdir = tmp_path_factory.mktemp("cdk.out.bundled")
    app, stack = build_app(context={"namespace": "wired"}, outdir=str(outdir))
    artifact = app.synth().get_stack_by_name(stack.stack_name)
    assets_file = outdir / f"{artifact.id}.assets.json"  # the stack's asset manifest, beside its template
    return Assembly(artifact.stack_name, artifact.template, json.loads(Path(assets_file).read_text()), outdir)


def _zip(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


# Monitoring and the schedule group, beyond moto's CloudFormation (it has no AWS::CloudWatch::Alarm
# nor AWS::Scheduler::*): left out, with whatever refers to them (the dashboard's alarm widget).
# The template tests cover them.
UNSUPPORTED_BY_MOTO = ("AWS::CloudWatch::Alarm", "AWS::Scheduler::ScheduleGroup")


def _refers_to(value: Any, ids: set[str]) -> bool:
    if isinstance(value, dict):
        if value.get("Ref") in ids or ("Fn::GetAtt" in value and value["Fn::GetAtt"][0] in ids):
            return True
        return any(_refers_to(v, ids) for v in value.values())
    if isinstance(value, list):
        return any(_refers_to(v, ids) for v in value)
    return False


def _without_unsupported(template: dict[str, Any]) -> dict[str, Any]:
    resources = dict(template["Resources"])
    dropped = {k for k, r in resources.items() if r["Type"] in UNSUPPORTED_BY_MOTO}
    while True:
        more = {k for k, r in resources.items() if k not in dropped and _refers_to(r, dropped)}
        if not more:
            break
        dropped |= more
    assert not {r["Type"] for k, r in resources.items() if k in dropped} & {
        "AWS::Lambda::Function", "AWS::SQS::Queue", "AWS::DynamoDB::Table", "AWS::Lambda::EventSourceMapping",
    }, "nothing the runtime uses is left out"  # fmt: skip
    kept = _aliases_left_to_the_api({k: r for k, r in resources.items() if k not in dropped})
    for k, r in kept.items():
        if r["Type"] == "AWS::KMS::Key":
            # moto's KMS reads CloudFormation's tags (Key/Value) as its API's (TagKey/TagValue)
            # and fails the stack: the alarm topic's key goes in untagged.
            kept[k] = {**r, "Properties": {p: v for p, v in r["Properties"].items() if p != "Tags"}}
    return {**template, "Resources": kept}


def _aliases_left_to_the_api(resources: dict[str, Any]) -> dict[str, Any]:
    """Lambda aliases are beyond moto's CloudFormation (no AWS::Lambda::Alias): they are left out
    and made through Lambda's API once the stack exists (:func:`_create_aliases`). A mapping
    that invokes an alias names its function here (the dispatcher plays it with the function's
    code, which is the alias's version's), and a reference to an alias is its ARN."""
    aliases = {k: r["Properties"] for k, r in resources.items() if r["Type"] == "AWS::Lambda::Alias"}

    def swap(value: Any) -> Any:
        if isinstance(value, dict):
            if value.get("Ref") in aliases:
                alias = aliases[value["Ref"]]
                function = alias["FunctionName"]["Ref"]
                return {"Fn::Join": [":", [{"Fn::GetAtt": [function, "Arn"]}, alias["Name"]]]}
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swap(v) for v in value]
        return value

    kept = {}
    for k, r in resources.items():
        if k in aliases:
            continue
        if r["Type"] == "AWS::Lambda::EventSourceMapping" and _refers_to(r["Properties"]["FunctionName"], set(aliases)):
            (alias,) = [a for a in aliases if _refers_to(r["Properties"]["FunctionName"], {a})]
            r = {**r, "Properties": {**r["Properties"], "FunctionName": aliases[alias]["FunctionName"]}}
        kept[k] = swap(r)
    return kept


def _create_aliases(template: dict[str, Any], lam: Any, physical: dict[str, str]) -> None:
    """The template's aliases, as CloudFormation would have made them, on the version it published."""
    for alias in (r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Alias"):
        function = physical[alias["FunctionName"]["Ref"]]
        versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=function)["Versions"]]
        published = max(int(v) for v in versions if v.isdigit())
        lam.create_alias(FunctionName=function, Name=alias["Name"], FunctionVersion=str(published))


@dataclass
class Deployment:
    """What CloudFormation created, read back from the emulated AWS APIs."""

    functions: dict[str, dict[str, Any]]  # function name -> its configuration
    mappings: list[dict[str, Any]]  # the event source mappings
    code: dict[str, Path]  # function name -> its unzipped code
    layers: dict[str, list[Path]]  # function name -> its unzipped layers


_AUTHORIZED_ON_ANY_RESOURCE = ("dynamodb:", "scheduler:")
"""Services whose every request moto authorizes against the resource "*"."""


_SQS_BATCH_ACTIONS = {
    "sqs:SendMessage": "sqs:SendMessageBatch",
    "sqs:DeleteMessage": "sqs:DeleteMessageBatch",
    "sqs:ChangeMessageVisibility": "sqs:ChangeMessageVisibilityBatch",
}
"""SQS's batch requests, which IAM authorizes as the single action (AWS has no action of their names)."""


def _unscoped_for_moto(template: dict[str, Any]) -> dict[str, Any]:
    """The template with its DynamoDB and EventBridge Scheduler grants on Resource "*" (and
    its grants to invoke the orchestrator and to make SQS batch requests under moto's names
    for the actions, below).

    moto authorizes every request of these services against the resource "*", so a grant on
    a table's or a schedule group's ARN never matches there; on "*" the actions are enforced,
    which is what moto can check (the template tests check which table or schedule group
    each grant names, and its conditions).
    """
    resources = json.loads(json.dumps(template["Resources"]))
    for resource in resources.values():
        if resource["Type"] == "AWS::IAM::Policy":
            for st in resource["Properties"]["PolicyDocument"]["Statement"]:
                actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
                if all(a.startswith(_AUTHORIZED_ON_ANY_RESOURCE) for a in actions):
                    st["Resource"] = "*"
                for single, batch in _SQS_BATCH_ACTIONS.items():
                    if single in actions and batch not in actions:
                        # IAM authorizes SQS's batch requests as their single action; moto names
                        # them apart (sqs:DeleteMessageBatch).
                        actions = [*actions, batch]
                        st["Action"] = actions
                if actions == ["lambda:InvokeFunction"]:
                    # moto names the Invoke operation's action "lambda:Invoke" (AWS's is
                    # lambda:InvokeFunction) and authorizes it against "*".
                    st["Action"], st["Resource"] = ["lambda:InvokeFunction", "lambda:Invoke"], "*"
    return {**template, "Resources": resources}


def _deploy(assembly: Assembly, workdir: Path, *, enforced: bool = False) -> Deployment:
    account = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
    # What `cdk bootstrap` leaves in an account: the version parameter and the assets bucket.
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name=f"/cdk-bootstrap/{QUALIFIER}/version", Value="30", Type="String"
    )
    s3 = boto3.client("s3", region_name=REGION)

    def sub(text: str) -> str:
        return text.replace("${AWS::AccountId}", account).replace("${AWS::Region}", REGION)

    buckets = set()
    for asset in assembly.assets["files"].values():
        if asset["source"].get("packaging") != "zip":
            continue  # the template itself
        body = _zip(assembly.outdir / asset["source"]["path"])
        for dest in asset["destinations"].values():
            bucket = sub(dest["bucketName"])
            if bucket not in buckets:
                s3.create_bucket(Bucket=bucket)
                buckets.add(bucket)
            s3.put_object(Bucket=bucket, Key=sub(dest["objectKey"]), Body=body)

    cfn = boto3.client("cloudformation", region_name=REGION)
    cfn.create_stack(
        StackName=assembly.stack_name,
        TemplateBody=json.dumps(
            _unscoped_for_moto(_without_unsupported(assembly.template))
            if enforced
            else _without_unsupported(assembly.template)
        ),
        Capabilities=["CAPABILITY_IAM"],
    )
    status = cfn.describe_stacks(StackName=assembly.stack_name)["Stacks"][0]["StackStatus"]
    assert status == "CREATE_COMPLETE"
    stack_resources = cfn.describe_stack_resources(StackName=assembly.stack_name)["StackResources"]
    _create_aliases(
        assembly.template,
        boto3.client("lambda", region_name=REGION),
        {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in stack_resources if r.get("PhysicalResourceId")},
    )

    lam = boto3.client("lambda", region_name=REGION)
    resources = cfn.describe_stack_resources(StackName=assembly.stack_name)["StackResources"]
    deployed_functions = {
        r["PhysicalResourceId"]: r["LogicalResourceId"]
        for r in resources
        if r.get("ResourceType") == "AWS::Lambda::Function"
    }
    functions = {name: lam.get_function_configuration(FunctionName=name) for name in deployed_functions}
    # The payload bucket (the claim check): created, and named in every function's wiring.
    buckets = {
        r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources if r.get("ResourceType") == "AWS::S3::Bucket"
    }
    (bucket,) = [name for logical, name in buckets.items() if logical.startswith("Payloads")]
    s3.head_bucket(Bucket=bucket)
    for config in functions.values():
        assert config["Environment"]["Variables"][settings.PAYLOAD_BUCKET] == bucket, config["FunctionName"]
    # The archive bucket: created, and named (with the namespace its keys carry) in every function's wiring.
    (archive_bucket,) = [name for logical, name in buckets.items() if logical.startswith("Archive")]
    s3.head_bucket(Bucket=archive_bucket)
    for config in functions.values():
        assert config["Environment"]["Variables"][settings.ARCHIVE_BUCKET] == archive_bucket, config["FunctionName"]
        assert config["Environment"]["Variables"][settings.NAMESPACE] == assembly.stack_name.removeprefix("durable-")
    # The dead-letter routes' wiring: every DLQ URL names a queue that some queue redrives to.
    sqs = boto3.client("sqs", region_name=REGION)
    (dead_letters,) = [
        json.loads(c["Environment"]["Variables"][settings.DEAD_LETTER_QUEUE_URLS])
        for c in functions.values() if settings.DEAD_LETTER_QUEUE_URLS in c["Environment"]["Variables"]
    ]  # fmt: skip

    def attribute(url: str, name: str) -> str:
        return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[name])["Attributes"][name])

    redrive_targets = {
        json.loads(attribute(u, "RedrivePolicy"))["deadLetterTargetArn"]
        for u in sqs.list_queues()["QueueUrls"] if not u.removesuffix(".fifo").endswith("-dlq")
    }  # fmt: skip
    dlq_arns = {attribute(u, "QueueArn") for u in dead_letters.values()}
    assert "inbox.fifo" in dead_letters and dlq_arns == redrive_targets
    # The alarm topic, encrypted with its own key (the alarms themselves are beyond moto).
    (topic,) = [r["PhysicalResourceId"] for r in resources if r.get("ResourceType") == "AWS::SNS::Topic"]
    assert boto3.client("sns", region_name=REGION).get_topic_attributes(TopicArn=topic)["Attributes"]["KmsMasterKeyId"]
    mappings = lam.list_event_source_mappings()["EventSourceMappings"]
    for mapping in mappings:
        # moto would invoke the function on every send (in docker): the dispatcher below plays
        # the mapping instead, with the queue, function and batch size CloudFormation gave it.
        lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)

    def unzipped(s3_location: dict[str, Any]) -> Path:
        bucket = (
            sub(s3_location["S3Bucket"]["Fn::Sub"])
            if isinstance(s3_location["S3Bucket"], dict)
            else s3_location["S3Bucket"]
        )
        key = s3_location["S3Key"]
        target = workdir / key.removesuffix(".zip")
        if not target.exists():
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            zipfile.ZipFile(io.BytesIO(body)).extractall(target)
        return target

    # The code and layers of each function: from the objects its template resource points at
    # (moto's Lambda keeps the code but does not attach layers).
    template = assembly.template["Resources"]
    code, layers = {}, {}
    for name, logical_id in deployed_functions.items():
        props = template[logical_id]["Properties"]
        code[name] = unzipped(props["Code"])
        # Only the stack's own layers: AWS's ADOT layer (an ARN, no Ref) is not ours to unpack, and
        # the handlers run without it as with tracing off.
        layers[name] = [
            unzipped(template[ref["Ref"]]["Properties"]["Content"]) for ref in props.get("Layers", []) if "Ref" in ref
        ]
    return Deployment(functions, mappings, code, layers)


@contextmanager
def _imported_from(code: Path, layers: list[Path]) -> Iterator[None]:
    """Import the project's packages from the deployed zips only, as Lambda would.

    The code goes first on sys.path (Lambda's /var/task); each layer's ``python/`` goes last,
    after this interpreter's site-packages: the layer's binary wheels are built for Lambda
    (aarch64, CPython 3.12), so its dependencies come from here while ``durable`` itself
    (found nowhere else once the project root is off the path) comes from the layer.
    """
    saved_modules = {k: v for k, v in sys.modules.items() if k.split(".")[0] in PACKAGES}
    saved_path = list(sys.path)
    for k in saved_modules:
        del sys.modules[k]
    root = PROJECT_ROOT.resolve()
    kept = [p for p in sys.path if Path(p or os.getcwd()).resolve() != root]
    sys.path[:] = [str(code), *kept, *(str(layer / "python") for layer in layers)]
    importlib.invalidate_caches()
    try:
        yield
    finally:
        for k in [k for k in sys.modules if k.split(".")[0] in PACKAGES]:
            del sys.modules[k]
        sys.modules.update(saved_modules)
        sys.path[:] = saved_path
        importlib.invalidate_caches()


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str = "local"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def _load_handler(config: dict[str, Any], code: Path, layers: list[Path], monkeypatch) -> Callable[..., Any]:
    """The function's handler, imported as Lambda would with the function's environment."""
    for key, value in config.get("Environment", {}).get("Variables", {}).items():
        monkeypatch.setenv(key, value)
    module_name, _, attr = config["Handler"].rpartition(".")
    module = importlib.import_module(module_name)
    assert Path(module.__file__).resolve().is_relative_to(code.resolve()), module.__file__
    durable_app = sys.modules["durable._aws.app"]
    assert any(Path(durable_app.__file__).resolve().is_relative_to(layer.resolve()) for layer in layers)
    handler = getattr(module, attr)
    context = LambdaContext(config["FunctionName"], config["MemorySize"], config["FunctionArn"])
    return lambda event: handler(event, context)


def _play(mapping: dict[str, Any], handler: Callable[..., Any]) -> int:
    """One poll of an event source mapping: receive a batch, invoke, delete what succeeded."""
    sqs = boto3.client("sqs", region_name=REGION)
    arn = mapping["EventSourceArn"]
    url = sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[1])["QueueUrl"]
    messages = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=min(10, mapping["BatchSize"]), AttributeNames=["All"]
    ).get("Messages", [])
    if not messages:
        return 0
    event = {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": REGION,
            }
            for m in messages
        ]
    }
    try:
        response = handler(event)
        assert "ReportBatchItemFailures" in mapping["FunctionResponseTypes"]
        failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
    except Exception:  # noqa: BLE001  (Lambda reports any error of the invocation as a failed batch)
        failed = {m["MessageId"] for m in messages}  # a failed invocation: the whole batch again
    for m in messages:
        if m["MessageId"] in failed:
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
        else:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return len(messages)


@dataclass
class Route:
    """A method of the deployed REST API and the function its proxy integration invokes."""

    resource: str  # "/api/{proxy+}"
    method: str  # "ANY"
    authorization: str
    function_name: str


def _routes(stack_name: str) -> tuple[str, list[Route]]:
    """The REST API CloudFormation created, read back from API Gateway: its id and its routes.

    (moto's CloudFormation creates the API, its resources and methods; not the stage.)
    """
    cfn = boto3.client("cloudformation", region_name=REGION)
    apigw = boto3.client("apigateway", region_name=REGION)
    resources = cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
    (api_id,) = [r["PhysicalResourceId"] for r in resources if r.get("ResourceType") == "AWS::ApiGateway::RestApi"]
    routes = []
    for resource in apigw.get_resources(restApiId=api_id)["items"]:
        for verb in resource.get("resourceMethods", {}):
            method = apigw.get_method(restApiId=api_id, resourceId=resource["id"], httpMethod=verb)
            integration = method["methodIntegration"]
            assert integration["type"] == "AWS_PROXY", integration
            # arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function arn>/invocations
            function_arn = integration["uri"].split("/functions/", 1)[1].removesuffix("/invocations")
            routes.append(Route(resource["path"], verb, method["authorizationType"], function_arn.rsplit(":", 1)[1]))
    return api_id, routes


def _matches(resource: str, path: str) -> dict[str, str] | None:
    """The path parameters of ``path`` under ``resource`` (``{name}`` one segment, ``{name+}`` the rest)."""
    want, got = resource.strip("/").split("/"), path.strip("/").split("/")
    params: dict[str, str] = {}
    for i, part in enumerate(want):
        if part.startswith("{") and part.endswith("+}"):
            params[part[1:-2]] = "/".join(got[i:])
            return params if got[i:] else None
        if i >= len(got) or (part != got[i] and not part.startswith("{")):
            return None
        if part.startswith("{"):
            params[part[1:-1]] = got[i]
    return params if len(want) == len(got) else None


class Gateway:
    """API Gateway's part: route a request to its method and hand the function a REST proxy event."""

    def __init__(self, api_id: str, stage: str, routes: list[Route], handlers: dict[str, Callable[..., Any]]) -> None:
        self.api_id, self.stage, self.routes, self.handlers = api_id, stage, routes, handlers

    def __call__(
        self, method: str, path: str, body: Any = None, query: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        for route in self.routes:
            params = _matches(route.resource, path)
            if params is not None and route.method in (method, "ANY"):
                break
        else:
            raise AssertionError(f"the deployed API has no route for {method} {path}")
        assert route.authorization == "AWS_IAM", route  # only SigV4-signed requests get this far
        text = None if body is None else json.dumps(body)
        headers = {"Host": f"{self.api_id}.execute-api.{REGION}.amazonaws.com", "Content-Type": "application/json"}
        event = {
            "resource": route.resource,
            "path": path,
            "httpMethod": method,
            "headers": headers,
            "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "queryStringParameters": query,
            "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
            "pathParameters": params or None,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": route.resource,
                "httpMethod": method,
                "path": f"/{self.stage}{path}",
                "stage": self.stage,
                "apiId": self.api_id,
                "requestId": str(uuid.uuid4()),
                "requestTimeEpoch": int(time.time() * 1000),
                "protocol": "HTTP/1.1",
                "identity": {"sourceIp": "198.51.100.7", "userArn": "arn:aws:iam::123456789012:user/operator"},
            },
            "body": text,
            "isBase64Encoded": False,
        }
        response = self.handlers[route.function_name](event)
        headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
        headers |= {k.lower(): v[-1] for k, v in (response.get("multiValueHeaders") or {}).items()}
        content_type = headers.get("content-type", "")
        answer = response["body"]
        if content_type.startswith("application/json"):
            answer = json.loads(answer)
        return response["statusCode"], answer


_CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def _role_credentials(config: dict[str, Any]) -> dict[str, str]:
    """Credentials of the function's own role (what Lambda hands the function)."""
    granted = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=config["Role"], RoleSessionName=config["FunctionName"]
    )["Credentials"]
    return dict(
        zip(_CREDENTIALS, (granted["AccessKeyId"], granted["SecretAccessKey"], granted["SessionToken"]), strict=True)
    )


def _as_role(handler: Callable[..., Any], credentials: dict[str, str]) -> Callable[..., Any]:
    """The handler run as its role, with IAM enforced on every AWS call it makes.

    Its clients are made on first use from the environment's credentials, so they carry the
    role's; outside the handler (the test's own calls, the event source mapping's receive and
    delete) nothing is enforced. moto enforces actions and per-queue resources, not
    conditions nor per-table scoping (the template tests cover those).
    """
    from moto.core.authorization import enable_iam_authentication

    def invoke(event: dict[str, Any]) -> Any:
        saved = {k: os.environ.get(k) for k in _CREDENTIALS}
        os.environ.update(credentials)
        try:
            with enable_iam_authentication():
                return handler(event)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    return invoke


@dataclass
class AsyncInvocations:
    pending: list[tuple[str, str]]
    played: int = 0
    qualifiers: set[str | None] = field(default_factory=set)
    """The qualifiers the invocations named (the live alias: the deploy's version)."""


@pytest.fixture
def async_invocations(monkeypatch: pytest.MonkeyPatch) -> AsyncInvocations:
    """Asynchronous invocations made to moto's Lambda (which runs no function): (function, payload).

    The test plays them as Lambda would, calling the named function's handler, as it plays
    the event source mappings.
    """
    from moto.awslambda_simple.models import LambdaSimpleBackend

    made: list[tuple[str, str]] = []
    accept = LambdaSimpleBackend.invoke

    def invoke(self: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any) -> Any:
        if headers.get("X-Amz-Invocation-Type") == "Event":
            made.append((function_name, body.decode() if isinstance(body, bytes) else body))
            invocations.qualifiers.add(qualifier or (function_name.split(":")[-1] if ":" in function_name else None))
        return accept(self, function_name, qualifier, body, headers, response_headers)

    monkeypatch.setattr(LambdaSimpleBackend, "invoke", invoke)
    invocations = AsyncInvocations(made)
    return invocations


def _play_invocations(made: AsyncInvocations, handlers: dict[str, Callable[..., Any]]) -> int:
    """Run the asynchronous invocations made so far, each once (it succeeds or Lambda would retry)."""
    played = 0
    while made.pending:
        function_name, payload = made.pending.pop(0)
        # The function named by its name or ARN, qualified by its live alias (stacks.versions).
        name = function_name.split(":")[6] if function_name.startswith("arn:") else function_name.split(":")[0]
        handlers[name](json.loads(payload))
        played += 1
    made.played += played
    return played


@pytest.mark.parametrize("as_roles", [False, True], ids=["wiring", "each-function-as-its-role"])
def test_an_order_runs_end_to_end_on_what_cloudformation_created(
    bundled, tmp_path, monkeypatch, as_roles, async_invocations
):
    # moto's Lambda without docker: it takes invocations and runs nothing (this test runs them).
    with mock_aws(config={"lambda": {"use_docker": False}}):
        deployment = _deploy(bundled, tmp_path, enforced=as_roles)
        assert deployment.mappings, "the template creates event source mappings"
        (code,) = set(deployment.code.values())  # one code asset, one layer for every function
        (layers,) = {tuple(v) for v in deployment.layers.values()}
        assert layers, "the functions have the runtime layer"

        with _imported_from(code, list(layers)):
            handlers = {
                name: _load_handler(config, code, list(layers), monkeypatch)
                for name, config in deployment.functions.items()
            }
            unenforced = dict(handlers)
            if as_roles:
                # The test's own reads go through the orchestrator's clients (below): made with
                # its credentials, they are also right when the orchestrator itself uses them.
                orchestrator_config = next(c for c in deployment.functions.values() if "orchestrator" in c["Handler"])
                for k, v in _role_credentials(orchestrator_config).items():
                    monkeypatch.setenv(k, v)
                handlers = {
                    name: _as_role(handler, _role_credentials(deployment.functions[name]))
                    for name, handler in handlers.items()
                }
            wiring = [(mapping, handlers[mapping["FunctionArn"].rsplit(":", 1)[1]]) for mapping in deployment.mappings]

            def pump(until: Callable[[], Any], timeout: float = 60.0) -> None:
                deadline = time.monotonic() + timeout
                while not until():
                    assert time.monotonic() < deadline, "the workflow did not get there"
                    played = sum(_play(mapping, handler) for mapping, handler in wiring)
                    if not played + _play_invocations(async_invocations, handlers):
                        time.sleep(0.05)  # a retry's back-off rides a delayed timer message

            # The client side, on the deployment's tables and queues (as the API will).
            from durable._converter import encode_args
            from durable._replay import events as ev
            from durable._runtime.control import Control
            from durable._runtime.orchestrator import Orchestrator
            from functions.activities.orders.activities import SERVICES, Order, OrderItem

            orchestrator = next(
                sys.modules[c["Handler"].rpartition(".")[0]]
                for c in deployment.functions.values()
                if any(
                    m["FunctionArn"] == c["FunctionArn"] and m["EventSourceArn"].endswith(".fifo")
                    for m in deployment.mappings
                )
            )
            services = orchestrator.app.services
            control = Control(services, Orchestrator(services, orchestrator.app.registry))
            order = Order(
                order_id=f"o-{uuid.uuid4().hex[:6]}", customer_id="c", email="a@example.com",
                items=[OrderItem("book", 1)], total=Decimal("9.90"),
            )  # fmt: skip
            # Start and signal through the REST API CloudFormation created, as a caller would.
            api_id, routes = _routes(bundled.stack_name)
            assert {(r.resource, r.method) for r in routes} == {
                ("/", "GET"),
                ("/ui/{file}", "GET"),
                ("/api/{proxy+}", "ANY"),
            }
            call = Gateway(api_id, "wired", routes, handlers)
            # The namespace's schedule group (beyond moto's CloudFormation, see UNSUPPORTED_BY_MOTO):
            # the order's 24-hour confirmation timer is a one-time schedule in it.
            api = deployment.functions[routes[0].function_name]
            group = api["Environment"]["Variables"]["DURABLE_SCHEDULE_GROUP"]
            scheduler = boto3.client("scheduler", region_name=REGION)
            scheduler.create_schedule_group(Name=group)

            def durable_schedules() -> list[str]:
                """The group's schedules less the timers' (``timer.<digest>``)."""
                listed = scheduler.list_schedules(GroupName=group)["Schedules"]
                return [e["Name"] for e in listed if not e["Name"].startswith("timer.")]

            # With a memo and typed search attributes: describe and list show them.
            memo = {"channel": "web", "lines": [1, 2]}
            tier = {"CustomerTier": {"type": "Keyword", "value": "gold"}, "Items": {"type": "Int", "value": 1}}
            status, started = call("POST", "/api/v1/workflows", {
                "workflow_type": "OrderWorkflow", "workflow_id": order.order_id, "task_queue": "orders",
                "input": [json.loads(p) for p in encode_args([order])], "memo": memo, "search_attributes": tier,
            })  # fmt: skip
            assert status == 201, started
            run_id = started["run_id"]
            # reserve, charge (its first attempt fails: the retry's back-off is a timer through the
            # relay), then the 24-hour confirmation timer starts
            pump(lambda: control.ledger(order.order_id, run_id).timers)
            # the 24-hour timer is one Scheduler schedule to the inbox (the orchestrator's role made it)
            (timer,) = [e["Name"] for e in scheduler.list_schedules(GroupName=group)["Schedules"]]
            timer_target = scheduler.get_schedule(Name=timer, GroupName=group)["Target"]
            inbox_arn = api["Environment"]["Variables"]["DURABLE_INBOX_QUEUE_ARN"]
            assert timer.startswith("timer.") and timer_target["Arn"] == inbox_arn
            # What Scheduler cannot deliver goes to the stack's schedule DLQ.
            sqs = boto3.client("sqs", region_name=REGION)
            schedule_dlq_url = api["Environment"]["Variables"]["DURABLE_SCHEDULE_DLQ_URL"]
            schedule_dlq_arn = sqs.get_queue_attributes(QueueUrl=schedule_dlq_url, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
            assert timer_target["DeadLetterConfig"] == {"Arn": schedule_dlq_arn}
            status, described = call("GET", f"/api/v1/workflows/{order.order_id}", query={"run_id": run_id})
            assert (status, described["status"]) == (200, "RUNNING"), described
            # The orchestrator stamped its tasks with the stack's build id (DURABLE_BUILD_ID).
            built = {"BuildIds": {"type": "KeywordList", "value": ["unversioned", f"unversioned:{build_id()}"]}}
            assert (described["memo"], described["search_attributes"]) == (memo, {**tier, **built})
            status, listed = call("GET", "/api/v1/workflows", query={"query": "CustomerTier = 'gold' AND Items >= 1"})
            assert status == 200 and [
                (e["run_id"], e["memo"], e["search_attributes"]) for e in listed["executions"]
            ] == [(run_id, memo, {**tier, **built})]
            status, listed = call("GET", "/api/v1/workflows", query={"query": "CustomerTier = 'silver'"})
            assert (status, listed["executions"]) == (200, [])

            # An update through the same API: the orchestrator takes it in a workflow task and the
            # outcome comes back. The test plays the orchestrator only between two requests, so
            # the first answers ADMITTED (its wait ran out) and the same request sent again (same
            # update id and request id) waits on and gets the outcome, as the remote client does.
            updates = f"/api/v1/workflows/{order.order_id}/updates"

            def update_outcome(update_id: str, request_id: str) -> bool:
                status = control.update_status(order.order_id, run_id, update_id, request_id)
                return status is not None and status.stage == "COMPLETED"

            change = {
                "args": ["grace@example.com"],
                "update_id": "email-1",
                "request_id": "r-email-1",
                "wait_seconds": 0,
            }
            status, sent = call("POST", f"{updates}/change_email", change)
            assert (status, sent["stage"], sent["run_id"]) == (200, "ADMITTED", run_id), sent
            pump(lambda: update_outcome("email-1", "r-email-1"))
            status, done = call("POST", f"{updates}/change_email", {**change, "wait_seconds": None})
            assert (status, done["stage"], done["outcome"]) == (200, "COMPLETED", {"result": order.email}), done
            status, polled = call("GET", f"{updates}/email-1", query={"run_id": run_id})
            assert (status, polled) == (200, done)
            # A validator's rejection comes back as the update's failure (no update is left on the run).
            bad = {"args": ["nobody"], "update_id": "email-2", "request_id": "r-email-2", "wait_seconds": 0}
            status, sent = call("POST", f"{updates}/change_email", bad)
            assert (status, sent["stage"]) == (200, "ADMITTED"), sent
            pump(lambda: update_outcome("email-2", "r-email-2"))
            status, rejected = call("POST", f"{updates}/change_email", {**bad, "wait_seconds": None})
            assert (status, rejected["stage"]) == (200, "COMPLETED"), rejected
            assert rejected["outcome"]["failure"]["message"] == "'nobody' is not an email address", rejected
            assert call("GET", f"{updates}/email-2")[0] == 404
            status, answer = call("POST", f"/api/v1/workflows/{order.order_id}/signals/confirm_order", {"input": []})
            assert status == 202, answer
            pump(lambda: control.ledger(order.order_id, run_id).closed)
            # The activities' outcomes reached the run by invoking the orchestrator (as its role may).
            assert async_invocations.played >= 3, async_invocations
            assert async_invocations.qualifiers == {"live"}  # the deploy's version, by its alias
            close = control.close_event(order.order_id, run_id)
            assert close["event_type"] == ev.WORKFLOW_COMPLETED, close
            assert json.loads(close["attributes"]["result"])["status"] == "completed"
            status, described = call("GET", f"/api/v1/workflows/{order.order_id}")
            assert (status, described["status"], described["result"]["status"]) == (200, "COMPLETED", "completed")
            status, history = call("GET", f"/api/v1/workflows/{order.order_id}/history")
            assert status == 200 and "WorkflowExecutionSignaled" in [e["event_type"] for e in history["events"]]
            # The orchestrator archived the run as it closed (its role may write the archive bucket),
            # and the API reads it back from there, as it will once the run's items expire.
            status, archived = call("GET", f"/api/v1/workflows/{order.order_id}/history", query={"archived": "true"})
            assert (status, archived["events"]) == (200, history["events"]), archived
            status, listed = call(
                "GET", "/api/v1/workflows", query={"archived": "true", "query": "WorkflowType = 'OrderWorkflow'"}
            )
            assert status == 200 and order.order_id in [e["workflow_id"] for e in listed["executions"]], listed
            assert ("email", "grace@example.com:order-shipped") in SERVICES.calls  # where the update said

            # Update-with-start: the API function starts the run with the update for its first
            # workflow task, which the orchestrator takes; the same request again reads the outcome.
            second = Order(
                order_id=f"o-{uuid.uuid4().hex[:6]}", customer_id="c", email="b@example.com",
                items=[OrderItem("lamp", 1)], total=Decimal("20"),
            )  # fmt: skip
            with_start = {
                "args": ["ada@example.com"], "update_id": "email-1", "request_id": "r-with-start", "wait_seconds": 0,
                "start_workflow": {
                    "workflow_type": "OrderWorkflow", "task_queue": "orders", "id_conflict_policy": "FAIL",
                    "input": [json.loads(p) for p in encode_args([second])],
                },
            }  # fmt: skip
            path = f"/api/v1/workflows/{second.order_id}/updates/change_email"
            status, sent = call("POST", path, with_start)
            assert (status, sent["stage"]) == (200, "ADMITTED"), sent
            second_run = sent["run_id"]

            def second_updated() -> bool:
                status = control.update_status(second.order_id, second_run, "email-1")
                return status is not None and status.stage == "COMPLETED"

            pump(second_updated)
            status, done = call("POST", path, {**with_start, "wait_seconds": None})
            assert (status, done["run_id"], done["outcome"]) == (200, second_run, {"result": "b@example.com"}), done
            status, described = call("GET", f"/api/v1/workflows/{second.order_id}")
            assert (status, described["status"], described["run_id"]) == (200, "RUNNING", second_run)
            # the web UI comes out of the layer the API function runs on
            status, page = call("GET", "/")
            assert status == 200 and 'src="ui/app.js"' in page
            status, script = call("GET", "/ui/app.js")
            assert status == 200 and "mountExecution" in script

            # Schedules through the same API: create (armed on EventBridge Scheduler), describe,
            # list, trigger (the orchestrator takes the run it starts), pause (disarmed), delete.
            nightly = Order(
                order_id="nightly", customer_id="c", email="a@example.com", items=[OrderItem("pen", 2)],
                total=Decimal("3"),
            )  # fmt: skip
            schedule = {
                "action": {
                    "workflow_type": "OrderWorkflow", "workflow_id": "nightly-order", "task_queue": "orders",
                    "input": [json.loads(p) for p in encode_args([nightly])],
                },
                "spec": {"cron_expressions": ["0 3 * * *"]},
            }  # fmt: skip
            status, created = call("POST", "/api/v1/schedules", {"schedule_id": "nightly", "schedule": schedule})
            assert (status, created) == (201, {"schedule_id": "nightly"})
            (armed,) = durable_schedules()
            entry = scheduler.get_schedule(Name=armed, GroupName=group)
            inbox_arn = api["Environment"]["Variables"]["DURABLE_INBOX_QUEUE_ARN"]
            assert entry["Target"]["Arn"] == inbox_arn and entry["ScheduleExpression"].startswith("at(")
            assert entry["Target"]["DeadLetterConfig"] == {"Arn": schedule_dlq_arn}
            status, described = call("GET", "/api/v1/schedules/nightly")
            assert status == 200 and described["info"]["next_action_times"][0].endswith("T03:00:00.000000Z")
            assert described["schedule"]["action"]["input"] == schedule["action"]["input"]
            status, listed = call("GET", "/api/v1/schedules")
            assert status == 200 and [s["schedule_id"] for s in listed["schedules"]] == ["nightly"]
            status, answer = call("POST", "/api/v1/schedules/nightly/trigger", {})
            assert status == 202, answer
            status, described = call("GET", "/api/v1/schedules/nightly")
            (taken,) = described["info"]["recent_actions"]
            assert taken["workflow_id"].startswith("nightly-order-")
            pump(lambda: control.ledger(taken["workflow_id"], taken["run_id"]).timers)
            status, run = call("GET", f"/api/v1/workflows/{taken['workflow_id']}")
            assert (status, run["status"], run["run_id"]) == (200, "RUNNING", taken["run_id"])
            # Pausing and deleting disarm (Scheduler's DeleteSchedule), whose signature moto cannot
            # check (it hashes a DELETE's query string as its body): those two go unenforced.
            disarming = Gateway(api_id, "wired", routes, unenforced)
            status, _ = disarming("POST", "/api/v1/schedules/nightly/pause", {"note": "maintenance"})
            assert status == 200 and durable_schedules() == []
            status, described = call("GET", "/api/v1/schedules/nightly")
            assert described["schedule"]["state"] == {
                "note": "maintenance", "paused": True, "limited_actions": False, "remaining_actions": 0,
            }  # fmt: skip
            status, _ = disarming("DELETE", "/api/v1/schedules/nightly")
            assert status == 200 and call("GET", "/api/v1/schedules/nightly")[0] == 404

            # A batch job through the same API: the orchestrator runs it, the batch jobs' activity
            # function (durable_batcher, each function as its role) terminates the matching run.
            batch = {"operation": "terminate", "query": f"WorkflowId = '{second.order_id}'", "job_id": "cleanup"}
            status, started_job = call("POST", "/api/v1/batch-operations", batch)
            assert status == 201, started_job
            pump(lambda: control.ledger("cleanup", started_job["run_id"]).closed)
            status, job = call("GET", "/api/v1/batch-operations/cleanup")
            assert (status, job["state"], job["total_operation_count"], job["complete_operation_count"]) == (
                200, "Completed", 1, 1,
            ), job  # fmt: skip
            status, described = call("GET", f"/api/v1/workflows/{second.order_id}")
            assert (status, described["status"]) == (200, "TERMINATED")
            status, run = call("GET", f"/api/v1/workflows/{taken['workflow_id']}")
            assert (status, run["status"]) == (200, "RUNNING")

            # Scheduler gave up on the order's 24-hour timer (its retries ran out): as the scheduler
            # role, it dead-letters the timer's input to the schedule DLQ with its attributes. The
            # reconciler (as its role) forwards it to the inbox; the run, closed, ignores it.
            scheduler_role = api["Environment"]["Variables"]["DURABLE_SCHEDULER_ROLE_ARN"]
            granted = boto3.client("sts", region_name=REGION).assume_role(
                RoleArn=scheduler_role, RoleSessionName="scheduler"
            )["Credentials"]
            as_scheduler = boto3.client(
                "sqs",
                region_name=REGION,
                aws_access_key_id=granted["AccessKeyId"],
                aws_secret_access_key=granted["SecretAccessKey"],
                aws_session_token=granted["SessionToken"],
            )
            from moto.core.authorization import enable_iam_authentication

            with enable_iam_authentication() if as_roles else nullcontext():
                as_scheduler.send_message(
                    QueueUrl=schedule_dlq_url,
                    MessageBody=timer_target["Input"],
                    MessageAttributes={
                        name: {"DataType": "String", "StringValue": value}
                        for name, value in {
                            "ERROR_CODE": "KMS.DisabledException",
                            "ERROR_MESSAGE": "the queue's key is disabled",
                            "EXECUTION_ID": "e1",
                            "RETRY_ATTEMPTS": "185",
                            "SCHEDULE_ARN": f"arn:aws:scheduler:{REGION}:123456789012:schedule/{group}/{timer}",
                            "TARGET_ARN": inbox_arn,
                        }.items()
                    },
                )
            before = call("GET", f"/api/v1/workflows/{order.order_id}/history")[1]["events"]
            reconciler = next(name for name in handlers if "reconciler" in name)
            passed = handlers[reconciler]({})
            assert (passed["schedule_deliveries_forwarded"], passed["schedule_delivery_failures"]) == (1, 0), passed
            inbox_url = api["Environment"]["Variables"]["DURABLE_INBOX_QUEUE_URL"]

            def inbox_drained() -> bool:
                counts = sqs.get_queue_attributes(QueueUrl=inbox_url, AttributeNames=["All"])["Attributes"]
                return counts["ApproximateNumberOfMessages"] == counts["ApproximateNumberOfMessagesNotVisible"] == "0"

            assert not inbox_drained()  # the forward is there
            pump(inbox_drained)
            assert call("GET", f"/api/v1/workflows/{order.order_id}/history")[1]["events"] == before
            depth = sqs.get_queue_attributes(QueueUrl=schedule_dlq_url, AttributeNames=["All"])["Attributes"]
            assert (depth["ApproximateNumberOfMessages"], depth["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")
