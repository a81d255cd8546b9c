"""The archive bucket, its lifecycle, who may write it, and the wiring that tells the functions."""

from __future__ import annotations

from typing import Any

import pytest

from durable import _settings as settings
from durable._aws.app import LambdaApp
from durable._aws.archive import S3ObjectStore
from durable._batch.job import BATCH_TASK_QUEUE

from .conftest import NAMESPACE, Synth
from .test_stack_template import _s3_actions, fn, resolve


def _archive(s: Synth) -> dict[str, Any]:
    return s.resources("AWS::S3::Bucket")[s.logical_id(s.stack.archive.bucket)]


def test_the_archive_bucket_is_encrypted_private_tls_only_retained_and_kept_for_good_by_default(synthesized):
    bucket = _archive(synthesized)
    props = bucket["Properties"]
    assert "BucketName" not in props
    (sse,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert sse["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
    }  # fmt: skip
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    assert "ExpirationInDays" not in rule and rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert bucket["DeletionPolicy"] == "Retain"  # the only copy of an expired run outlives the stack
    bucket_id = synthesized.logical_id(synthesized.stack.archive.bucket)
    (policy,) = [
        p
        for p in synthesized.resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert [st["Condition"] for st in statements if st["Effect"] == "Deny"] == [
        {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert not [st for st in statements if st["Effect"] == "Allow"]


def test_archive_retention_days_expire_archived_runs(synthesize):
    s = synthesize(namespace="kept", archive_retention_days="365")  # as `cdk synth -c archive_retention_days=365`
    rules = {r["Id"]: r for r in _archive(s)["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules["archive-retention"]["ExpirationInDays"] == 365 and rules["archive-retention"]["Status"] == "Enabled"


@pytest.mark.parametrize("bad", ["0", "-1", "forever", "1.5"])
def test_an_archive_retention_that_is_not_a_whole_number_of_days_is_refused(synthesize, bad):
    with pytest.raises(ValueError, match="archive_retention_days"):
        synthesize(namespace="bad", archive_retention_days=bad)


def test_whoever_closes_or_reads_runs_may_archive_and_read_the_archive_and_no_one_deletes_from_it(synthesized):
    stack, s = synthesized.stack, synthesized
    batcher = stack.activity_workers[BATCH_TASK_QUEUE]  # a batch terminate closes runs
    for closer in (stack.orchestrator, stack.api_function, stack.reconciler, batcher):
        actions = _s3_actions(s, fn(s, closer), stack.archive.bucket)
        assert actions == {"objects": {"s3:GetObject", "s3:PutObject"}, "bucket": {"s3:ListBucket"}}, closer
    others = [worker for task_queue, worker in stack.activity_workers.items() if task_queue != BATCH_TASK_QUEUE]
    assert others, "the stack has activity functions of the registry's task queues"
    for other in (*others, stack.timer_relay):
        assert _s3_actions(s, fn(s, other), stack.archive.bucket) == {}


def test_every_function_is_told_the_archive_bucket_namespace_and_retention(synthesize):
    s = synthesize(namespace="short", retention_days="7")
    bucket = resolve(s, {"Ref": s.logical_id(s.stack.archive.bucket)})
    for props in (f["Properties"] for f in s.resources("AWS::Lambda::Function").values()):
        env = {k: resolve(s, v) for k, v in props["Environment"]["Variables"].items()}
        assert (env[settings.ARCHIVE_BUCKET], env[settings.NAMESPACE]) == (bucket, "short")
        archival = LambdaApp(environ=env).services.archival
        assert archival is not None and archival.retention_seconds == 7 * 24 * 3600
        assert archival.archive.namespace == "short"
        assert isinstance(archival.archive.objects, S3ObjectStore) and archival.archive.objects.bucket == bucket
        assert archival.archive.objects.storage_class == "INTELLIGENT_TIERING"


def test_without_an_archive_bucket_nothing_is_archived_and_histories_are_kept(synthesized):
    function = next(iter(synthesized.resources("AWS::Lambda::Function").values()))
    env = {k: resolve(synthesized, v) for k, v in function["Properties"]["Environment"]["Variables"].items()}
    assert env[settings.NAMESPACE] == NAMESPACE
    env.pop(settings.ARCHIVE_BUCKET)
    assert LambdaApp(environ=env).services.archival is None
