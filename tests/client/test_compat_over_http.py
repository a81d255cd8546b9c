"""The compatibility suite's tests, with a client that speaks the HTTP API (``Client.connect``).

Same tests as tests/compat, other fixtures (see conftest.py): every client call goes
through the dev server's HTTP API into the engine, and back through the remote
transport. The engine runs in real time here, so the tests that need time skipping
(long timers, retry back-off measured in virtual minutes) stay in tests/compat only.
"""

# ruff: noqa: F401, F403
from tests.compat.test_activities_and_retries import *
from tests.compat.test_async_activity_completion import *
from tests.compat.test_asyncio_in_workflows import *
from tests.compat.test_cancellation import *
from tests.compat.test_continue_as_new import *
from tests.compat.test_describe_and_history import *
from tests.compat.test_dynamic_handlers import *
from tests.compat.test_errors import *
from tests.compat.test_external_workflows import *
from tests.compat.test_payloads import *
from tests.compat.test_signals_queries import *
from tests.compat.test_start_policies import *
from tests.compat.test_update_with_start import test_an_eager_start_says_so_on_its_handle

# Virtual time: minutes of back-off or a timer that a real clock would wait out.
del test_default_retry_policy_retries_with_backoff_under_time_skipping
del test_next_retry_delay_overrides_policy
del test_asyncio_wait_first_completed  # waits 10 real seconds for a timer
# Updates are not served by the HTTP API yet.
del test_handlers_set_at_run_time_take_buffered_signals_in_order
del test_dynamic_handlers_by_decorator_get_the_name_and_raw_values
del test_a_dynamic_signal_handler_set_late_takes_every_waiting_signal
del test_runs_with_handlers_set_at_run_time_replay
