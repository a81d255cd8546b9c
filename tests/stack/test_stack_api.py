"""The REST API in the template: signed requests only, validated, logged, traced, throttled."""

from __future__ import annotations

import json

from .conftest import NAMESPACE, Synth
from .test_stack_template import WRITE_ACTIONS, actions_on, fn, refs, statements


def _one(s: Synth, type_: str) -> tuple[str, dict]:
    found = s.resources(type_)
    assert len(found) == 1, f"one {type_}, found {sorted(found)}"
    [(logical_id, resource)] = found.items()
    return logical_id, resource["Properties"]


def _methods(s: Synth) -> dict[str, dict]:
    return {k: r["Properties"] for k, r in s.resources("AWS::ApiGateway::Method").items()}


def _paths(s: Synth) -> dict[str, str]:
    """Each method's resource as a path: ``/``, ``/ui/{file}``, ``/api/{proxy+}``."""
    api_id, _ = _one(s, "AWS::ApiGateway::RestApi")
    resources = {k: r["Properties"] for k, r in s.resources("AWS::ApiGateway::Resource").items()}

    def path(ref) -> str:
        if ref == {"Fn::GetAtt": [api_id, "RootResourceId"]}:
            return ""
        props = resources[ref["Ref"]]
        return f"{path(props['ParentId'])}/{props['PathPart']}"

    return {k: path(m["ResourceId"]) or "/" for k, m in _methods(s).items()}


def test_the_api_answers_the_ui_and_every_api_route_through_the_api_function(synthesized):
    s = synthesized
    api_fn = fn(s, s.stack.api_function)
    paths = _paths(s)
    assert sorted((paths[k], m["HttpMethod"]) for k, m in _methods(s).items()) == [
        ("/", "GET"), ("/api/{proxy+}", "ANY"), ("/ui/{file}", "GET"),
    ]  # fmt: skip
    for method in _methods(s).values():
        integration = method["Integration"]
        assert integration["Type"] == "AWS_PROXY" and integration["IntegrationHttpMethod"] == "POST"
        assert api_fn in refs(integration["Uri"])
    handler = s.template["Resources"][api_fn]["Properties"]["Handler"]
    assert handler == "functions.api.handler.handler"


def test_every_method_requires_sigv4_iam_authorization(synthesized):
    methods = _methods(synthesized)
    assert methods
    assert {k: m["AuthorizationType"] for k, m in methods.items()} == {k: "AWS_IAM" for k in methods}


def test_every_method_goes_through_the_request_validator_with_its_path_parameters_required(synthesized):
    s = synthesized
    validator_id, validator = _one(s, "AWS::ApiGateway::RequestValidator")
    assert validator["ValidateRequestParameters"] is True and validator["ValidateRequestBody"] is True
    paths = _paths(s)
    for logical_id, method in _methods(s).items():
        assert method["RequestValidatorId"] == {"Ref": validator_id}
        wanted = {
            f"method.request.path.{p.strip('{+}')}": True for p in paths[logical_id].split("/") if p.startswith("{")
        }
        assert method["RequestParameters"] == wanted


def test_the_stage_logs_every_request_as_json_to_its_own_log_group_and_traces(synthesized):
    s = synthesized
    _, stage = _one(s, "AWS::ApiGateway::Stage")
    assert stage["StageName"] == NAMESPACE
    assert stage["TracingEnabled"] is True
    log_group_id = stage["AccessLogSetting"]["DestinationArn"]["Fn::GetAtt"][0]
    log_group = s.template["Resources"][log_group_id]["Properties"]
    assert log_group["LogGroupName"] == f"/aws/apigateway/durable-{NAMESPACE}-api"
    assert log_group["RetentionInDays"] == 30
    fields = json.loads(stage["AccessLogSetting"]["Format"])  # a JSON line per request
    assert {"requestId", "httpMethod", "path", "status", "caller", "userArn", "responseLatency"} <= fields.keys()
    [settings] = stage["MethodSettings"]
    assert settings["LoggingLevel"] == "ERROR" and settings["DataTraceEnabled"] is False
    # API Gateway logs through the account's CloudWatch role; without it the stage cannot log.
    _, account = _one(s, "AWS::ApiGateway::Account")
    assert "CloudWatchRoleArn" in account


def test_the_stage_is_throttled(synthesized, synthesize):
    _, stage = _one(synthesized, "AWS::ApiGateway::Stage")
    [settings] = stage["MethodSettings"]
    assert (settings["HttpMethod"], settings["ResourcePath"]) == ("*", "/*")
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (50, 100)


def test_the_api_url_is_a_stack_output(synthesized):
    s = synthesized
    output = s.template["Outputs"]["ApiUrl"]
    api_id, _ = _one(s, "AWS::ApiGateway::RestApi")
    stage_id, _ = _one(s, "AWS::ApiGateway::Stage")
    assert {api_id, stage_id} <= refs(output["Value"])
    assert "SigV4" in output["Description"]


def test_the_api_function_gets_what_control_does_and_no_more(synthesized):
    stack, s = synthesized.stack, synthesized
    api_fn = fn(s, stack.api_function)
    history = actions_on(s, api_fn, s.logical_id(stack.tables.history))
    executions = actions_on(s, api_fn, s.logical_id(stack.tables.executions))
    # history is appended to (a new run's first events, a termination) and, once a run it
    # terminated is archived, its records' expiry is set: never deleted nor batch-written
    assert {"dynamodb:Query", "dynamodb:PutItem"} <= history
    assert not history & (WRITE_ACTIONS - {"dynamodb:PutItem", "dynamodb:UpdateItem"})
    assert {"dynamodb:GetItem", "dynamodb:Scan", "dynamodb:PutItem", "dynamodb:UpdateItem"} <= executions
    assert "dynamodb:BatchWriteItem" not in executions
    # DeleteItem only for schedule items (delete_schedule), never an execution's
    deletes = [
        st
        for st in statements(s, api_fn)
        if s.logical_id(stack.tables.executions) in refs(st["Resource"])
        and "dynamodb:DeleteItem" in json.dumps(st["Action"])
    ]
    assert deletes and all(
        st["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["sch"]}} for st in deletes
    )
    assert not actions_on(s, api_fn, s.logical_id(stack.tables.idempotency))
    assert "sqs:SendMessage" in actions_on(s, api_fn, s.logical_id(stack.inbox.queue))
    for queue in (stack.timer_queue.queue, *(q.queue for q in stack.task_queues.queues.values())):
        # only to send dead letters back (redrive): never to take a task or a timer
        assert actions_on(s, api_fn, s.logical_id(queue)) == {"sqs:SendMessage"}


def test_only_api_gateway_invokes_the_api_function_and_only_this_api(synthesized):
    s = synthesized
    api_fn = fn(s, s.stack.api_function)
    api_id, _ = _one(s, "AWS::ApiGateway::RestApi")
    permissions = [
        p["Properties"]
        for p in s.resources("AWS::Lambda::Permission").values()
        if api_fn in refs(p["Properties"]["FunctionName"])
    ]
    assert len(permissions) == len(_methods(s))  # one per method, none for the console's test-invoke
    for permission in permissions:
        assert permission["Principal"] == "apigateway.amazonaws.com"
        assert api_id in refs(permission["SourceArn"])
        assert "test-invoke-stage" not in json.dumps(permission["SourceArn"])
