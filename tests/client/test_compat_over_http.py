"""The compatibility suite's tests, with a client that speaks the HTTP API (``Client.connect``).

Every module of tests/compat, other fixtures (see conftest.py): every client call goes
through the dev server's HTTP API into the engine, and back through the remote transport.
The engine behind the dev server skips time as tests/compat's does. What cannot run over
HTTP is in :data:`EXCLUDED` with the reason; the modules tests/compat itself leaves out
on durable are in :data:`MODULES_LEFT_OUT`.
"""

# ruff: noqa: F401, F403
from pathlib import Path

from tests.compat.second_wave.test_child_and_continue_as_new import *
from tests.compat.second_wave.test_local_activities import *
from tests.compat.second_wave.test_updates import *
from tests.compat.test_activities_and_retries import *
from tests.compat.test_activity_environment import *
from tests.compat.test_activity_timeouts import *
from tests.compat.test_async_activity_completion import *
from tests.compat.test_asyncio_in_workflows import *
from tests.compat.test_bad_input import *
from tests.compat.test_build_ids import *
from tests.compat.test_cancellation import *
from tests.compat.test_child_workflows import *
from tests.compat.test_codec import *
from tests.compat.test_continue_as_new import *
from tests.compat.test_cron_workflows import *
from tests.compat.test_data_converters import *
from tests.compat.test_describe_and_history import *
from tests.compat.test_dynamic_handlers import *
from tests.compat.test_envconfig import *
from tests.compat.test_errors import *
from tests.compat.test_external_workflows import *
from tests.compat.test_failures_as_temporalio import *
from tests.compat.test_history_goldens import *
from tests.compat.test_history_json import *
from tests.compat.test_interceptors import *
from tests.compat.test_opentelemetry import *
from tests.compat.test_options_as_temporalio import *
from tests.compat.test_patching import *
from tests.compat.test_payloads import *
from tests.compat.test_replayer import *
from tests.compat.test_sandbox import *
from tests.compat.test_search_attributes_and_memo import *
from tests.compat.test_signals_queries import *
from tests.compat.test_start_policies import *
from tests.compat.test_timers_and_conditions import *
from tests.compat.test_update_with_start import *
from tests.compat.test_wait import *
from tests.compat.test_worker_concurrency import *

COMPAT = Path(__file__).parents[1] / "compat"

MODULES_LEFT_OUT: dict[str, str] = {
    "test_metrics.py": "it starts its own environment, with a runtime whose MetricBuffer it reads: the engine "
    "records the metrics, whichever transport the client speaks",
}
"""Compat modules not imported here, and why."""

EXCLUDED: dict[str, str] = {}
"""Compat tests deleted from this module, and why each cannot run over HTTP."""

for _name in EXCLUDED:
    globals().pop(_name, None)


def test_every_excluded_name_is_a_compat_test():
    """The lists cannot rot: each name excluded is a test of tests/compat, each module left out exists."""
    tests = {
        line.split("def ", 1)[1].split("(", 1)[0]
        for path in COMPAT.rglob("test_*.py")
        for line in path.read_text().splitlines()
        if line.startswith(("async def test_", "def test_"))
    }
    assert sorted(set(EXCLUDED) - tests) == []
    assert [m for m in MODULES_LEFT_OUT if not (COMPAT / m).is_file()] == []
    assert all(reason.strip() for reason in (*EXCLUDED.values(), *MODULES_LEFT_OUT.values()))
