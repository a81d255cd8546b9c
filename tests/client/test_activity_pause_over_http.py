"""The activity pause tests (tests/workflows/test_activity_pause.py) with a client that speaks the
HTTP API: pause, unpause and describe go through the dev server's routes and the remote transport."""

# ruff: noqa: F401, F403
from tests.workflows.test_activity_pause import *
