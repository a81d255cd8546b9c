"""A deployment's settings read back what they wrote, and name what is missing."""

import pytest

from durable import _settings
from durable._settings import DeploymentSettings, MissingSetting

FULL = DeploymentSettings(
    history_table="h",
    executions_table="e",
    idempotency_table="i",
    inbox_queue_url="https://sqs/inbox.fifo",
    timer_queue_url="https://sqs/timers",
    activity_queue_urls={"orders": "https://sqs/activities-orders"},
    schedule_group="g",
    inbox_queue_arn="arn:inbox",
    scheduler_role_arn="arn:role",
    payload_bucket="b",
    dead_letter_queue_urls={"inbox.fifo": "https://sqs/inbox-dlq.fifo"},
    retention_days=7,
    archive_bucket="archive",
    namespace="prod",
    build_id="0123abcd",
    orchestrator_function="durable-prod-orchestrator",
    failed_deliveries_queue_url="https://sqs/orchestrator-dlq",
    schedule_dlq_url="https://sqs/schedule-dlq",
)


def test_settings_read_back_from_their_environment():
    environ = FULL.to_environ()
    assert set(environ) == set(_settings.NAMES)
    assert environ[_settings.RETENTION_DAYS] == "7"
    assert DeploymentSettings.from_environ(environ) == FULL


def test_optional_settings_are_left_out_and_read_back_as_their_defaults():
    minimal = DeploymentSettings(
        history_table="h", executions_table="e", idempotency_table="i", inbox_queue_url="q", timer_queue_url="t"
    )
    environ = minimal.to_environ()
    assert _settings.PAYLOAD_BUCKET not in environ and _settings.DEAD_LETTER_QUEUE_URLS not in environ
    assert _settings.ARCHIVE_BUCKET not in environ
    read = DeploymentSettings.from_environ(environ)
    assert read == minimal
    assert read.retention_seconds == 30 * 24 * 3600


@pytest.mark.parametrize("name", [_settings.HISTORY_TABLE, _settings.INBOX_QUEUE_URL, _settings.IDEMPOTENCY_TABLE])
def test_a_missing_required_setting_is_named(name):
    environ = FULL.to_environ()
    del environ[name]
    with pytest.raises(MissingSetting, match=f"environment variable {name} is not set"):
        DeploymentSettings.from_environ(environ)
