"""The HTTP API on API Gateway: a REST API in front of the API Lambda, signed requests only.

Every method asks for AWS_IAM (SigV4), the stage logs every request to its own log group,
traces with X-Ray and is throttled; the Lambda (``functions/api/handler.py``) answers the
API under ``/api/{proxy+}`` and the web UI under ``/`` and ``/ui/{file}``.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnOutput, RemovalPolicy, Validations
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

__all__ = ["RestApi"]

# Everything API Gateway knows of one request: enough to find it again from a client's report.
_ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "path": "$context.path",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationStatus": "$context.integrationStatus",
    "sourceIp": "$context.identity.sourceIp",
    "caller": "$context.identity.caller",
    "userArn": "$context.identity.userArn",
    "userAgent": "$context.identity.userAgent",
    "errorMessage": "$context.error.message",
    "xrayTraceId": "$context.xrayTraceId",
}


class RestApi(Construct):
    """The REST API of one namespace; ``url`` is what ``Client.connect`` and ``durable --address`` take."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api_name: str,
        stage_name: str,
        handler: lambda_.IFunction,
        rate_limit: float,
        burst_limit: int,
        tracing_enabled: bool = True,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            log_group_name=f"/aws/apigateway/{api_name}",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=api_name,
            description="durable workflows (start, list, describe, signal, query, update, cancel, terminate), "
            "schedules, and the web UI",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            default_method_options=apigw.MethodOptions(authorization_type=apigw.AuthorizationType.IAM),
            # API Gateway writes logs through the account's CloudWatch role: the stage cannot log without it.
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=stage_name,
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.custom(_json(_ACCESS_LOG_FIELDS)),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # request bodies carry workflow payloads: never into logs
                metrics_enabled=True,
                tracing_enabled=tracing_enabled,  # X-Ray, when the functions trace to X-Ray
                throttling_rate_limit=rate_limit,
                throttling_burst_limit=burst_limit,
            ),
        )
        # The gateway checks the required path parameters. It has no body models on purpose:
        # the Lambda's pydantic models check bodies, with the contract's 400 naming the field,
        # so body validation is on but has no schema to apply, and says nothing twice.
        self.validator = apigw.RequestValidator(
            self,
            "Validator",
            rest_api=self.api,
            request_validator_name=f"{api_name}-requests",
            validate_request_parameters=True,
            validate_request_body=True,
        )
        integration = apigw.LambdaIntegration(handler, proxy=True, allow_test_invoke=False)

        def method(resource: apigw.IResource, verb: str, *path_parameters: str) -> apigw.Method:
            return resource.add_method(
                verb,
                integration,
                request_validator=self.validator,
                request_parameters={f"method.request.path.{p}": True for p in path_parameters},
            )

        self.methods = [
            method(self.api.root, "GET"),  # the web UI's index.html
            method(self.api.root.add_resource("ui").add_resource("{file}"), "GET", "file"),
            method(self.api.root.add_resource("api").add_resource("{proxy+}"), "ANY", "proxy"),
        ]
        self.url = self.api.url
        # The stage URL output RestApi makes by itself, under a name a person can find.
        self.url_output = self.api.node.find_child("Endpoint")
        assert isinstance(self.url_output, CfnOutput)
        self.url_output.override_logical_id("ApiUrl")
        self.url_output.description = "The HTTP API and web UI (SigV4): durable --address <url>, Client.connect(<url>)"
        self._acknowledge()

    def _acknowledge(self) -> None:
        Validations.of(self.api).acknowledge(
            Acknowledgment(
                id="AwsSolutions-COG4",
                reason="Every method uses AWS_IAM authorization (SigV4): callers are IAM principals "
                "(the CLI, Client.connect, other services), not users of a Cognito user pool",
            ),
        )
        Validations.of(self.api).acknowledge(
            Acknowledgment(
                id="AwsSolutions-APIG3",
                reason="Only SigV4-signed requests of IAM principals reach the API and the stage is "
                "throttled; a WAF web ACL costs a fixed monthly fee per namespace that this API does not need",
            ),
        )
        Validations.of(self.api).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
                reason="API Gateway's account-level logging role: AWS's managed policy is the documented one "
                "for it, and it only allows writing CloudWatch Logs",
            ),
        )


def _json(fields: dict[str, str]) -> str:
    # Quoted, numbers too: API Gateway writes "-" for a value a request does not have.
    return "{" + ",".join(f'"{k}":"{v}"' for k, v in fields.items()) + "}"
