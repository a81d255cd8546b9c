"""A deployment with tracing off has no OpenTelemetry (the ADOT layer brings it): the engine still runs."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_the_engines_spans_are_skipped_when_opentelemetry_cannot_be_imported():
    program = textwrap.dedent(
        """
        import sys
        sys.modules["opentelemetry"] = None  # as if not installed: importing it raises ImportError
        from durable._aws.tracing import InvocationTracer
        from durable._runtime import tracing

        assert tracing._tracer is None
        handler = InvocationTracer("orchestrator").capture_lambda_handler(lambda event, context: event["n"] + 1)
        with tracing.engine_span("durable.decision", workflow_id="w", run_id="r"):
            print(handler({"n": 41}, None))
        """
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "42"
