"""moto's SQS with indexed queues (durable/_local/moto_sqs.py, applied by tests/conftest.py)
answers what moto answered: counts, receipts old and new, FIFO groups, a purge."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from durable._aws.provision import create_queue


@pytest.fixture
def sqs() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs", region_name="us-east-1")


def _counts(sqs: Any, url: str) -> tuple[int, int]:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return int(attrs[names[0]]), int(attrs[names[1]])


def test_the_approximate_counts_follow_receives_releases_deletes_and_a_purge(sqs):
    url = create_queue(sqs, "counted", fifo=False)
    for i in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    assert _counts(sqs, url) == (5, 0)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=30)["Messages"]
    assert [m["Body"] for m in got] == ["m0", "m1"]
    assert _counts(sqs, url) == (3, 2)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"], VisibilityTimeout=0)
    assert _counts(sqs, url) == (4, 1)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got[1]["ReceiptHandle"])
    assert _counts(sqs, url) == (4, 0)
    sqs.purge_queue(QueueUrl=url)
    assert _counts(sqs, url) == (0, 0)
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)


def test_a_message_received_twice_is_deleted_by_its_earlier_receipt_and_a_strange_receipt_is_refused(sqs):
    url = create_queue(sqs, "receipts", fifo=False)
    sqs.send_message(QueueUrl=url, MessageBody="once")
    first = sqs.receive_message(QueueUrl=url, VisibilityTimeout=30)["Messages"][0]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=0)
    second = sqs.receive_message(QueueUrl=url, VisibilityTimeout=30)["Messages"][0]
    assert second["ReceiptHandle"] != first["ReceiptHandle"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    assert _counts(sqs, url) == (0, 0)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"])  # a repeat: taken
    with pytest.raises(ClientError) as refused:
        sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-receipt")
    assert refused.value.response["Error"]["Code"].endswith("ReceiptHandleIsInvalid")


def test_a_deep_fifo_queue_hands_out_each_group_in_order_one_batch_in_flight_at_a_time(sqs):
    url = create_queue(sqs, "deep.fifo", fifo=True)
    for i in range(3000):
        group = "hot" if i < 20 else f"g{i % 7}"
        sqs.send_message(QueueUrl=url, MessageBody=str(i), MessageGroupId=group, MessageDeduplicationId=f"d{i}")
    sqs.send_message(QueueUrl=url, MessageBody="dup", MessageGroupId="hot", MessageDeduplicationId="d0")
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)["Messages"]
    assert [m["Body"] for m in first] == [str(i) for i in range(10)]  # one group, in order
    second = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)["Messages"]
    assert [m["Body"] for m in second] == [str(i) for i in range(20, 30)]  # "hot" is in flight: skipped
    for m in first + second:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    third = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)["Messages"]
    assert [m["Body"] for m in third] == [str(i) for i in range(10, 20)]
    assert _counts(sqs, url) == (3000 - 30, 10)  # the duplicate of d0 was dropped
