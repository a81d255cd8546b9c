"""The stack's throughput options: the orchestrator's concurrency and the API's throttle."""

from __future__ import annotations

import pytest

from tests.stack.conftest import Synth


def _orchestrator(s: Synth) -> tuple[dict, dict]:
    """The orchestrator function's properties and its inbox event source mapping's."""
    function_id = s.logical_id(s.stack.orchestrator.function)
    live = s.logical_id(s.stack.orchestrator_versions.live)  # the mapping invokes the live alias
    (esm,) = [
        m["Properties"] for m in s.resources("AWS::Lambda::EventSourceMapping").values()
        if s.mapped_alias(m) == live
    ]  # fmt: skip
    return s.template["Resources"][function_id]["Properties"], esm


def _stage_throttle(s: Synth) -> tuple[float, int]:
    [stage] = s.resources("AWS::ApiGateway::Stage").values()
    [settings] = stage["Properties"]["MethodSettings"]
    return settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]


def test_by_default_the_orchestrator_runs_50_at_once_unreserved_and_the_api_takes_50_a_second(synthesized):
    function, esm = _orchestrator(synthesized)
    assert esm["ScalingConfig"]["MaximumConcurrency"] == 50
    assert "ReservedConcurrentExecutions" not in function
    assert _stage_throttle(synthesized) == (50, 100)


def test_the_options_set_the_orchestrator_concurrency_its_reserve_and_the_api_throttle(synthesize):
    # as `cdk synth -c orchestrator_max_concurrency=500 ...` passes them: strings
    s = synthesize(
        namespace="big",
        orchestrator_max_concurrency="500",
        orchestrator_reserved_concurrency="600",
        api_rate_limit="2000",
        api_burst_limit="4000",
    )
    function, esm = _orchestrator(s)
    assert esm["ScalingConfig"]["MaximumConcurrency"] == 500
    assert function["ReservedConcurrentExecutions"] == 600
    assert _stage_throttle(s) == (2000, 4000)


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"orchestrator_max_concurrency": "1"}, "orchestrator_max_concurrency 1: give a whole number from 2 to 1000"),
        ({"orchestrator_max_concurrency": "1001"}, "from 2 to 1000"),
        ({"orchestrator_max_concurrency": "many"}, "orchestrator_max_concurrency 'many': give a whole number"),
        (
            {"orchestrator_max_concurrency": "100", "orchestrator_reserved_concurrency": "40"},
            "orchestrator_reserved_concurrency 40 is below orchestrator_max_concurrency 100",
        ),
        ({"api_rate_limit": "0"}, "api_rate_limit 0: give requests a second above 0 and at most 10,000"),
        ({"api_rate_limit": "20000"}, "at most 10,000 \\(API Gateway's account throttle"),
        ({"api_rate_limit": "fast"}, "api_rate_limit 'fast': give a number of requests a second"),
        ({"api_burst_limit": "6000"}, "api_burst_limit 6000: give a whole number of requests from 1 to 5,000"),
    ],
)
def test_an_option_out_of_range_fails_the_synth_naming_it(synthesize, context, message):
    with pytest.raises(ValueError, match=message):
        synthesize(namespace="bad", **context)
