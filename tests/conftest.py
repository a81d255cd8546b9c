"""Test-wide setup that must run before anything imports boto3 clients."""

import os

# Fake credentials and a region at import time: a boto3 client made before these exist
# fails inside moto's mock_aws with NoCredentialsError, and nothing here may reach AWS.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_SESSION_TOKEN", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

# moto's conditional writes are not atomic across threads, DynamoDB's are, and moto dedups FIFO
# messages queue-wide whatever the queue's scope; the contract and race tests hold the emulation
# to AWS's behaviour (see durable/_local/moto_fidelity.py).
from durable._local.moto_fidelity import make_dynamodb_writes_atomic, make_sqs_dedup_scoped  # noqa: E402
from durable._local.moto_sqs import index_sqs_queues  # noqa: E402

make_dynamodb_writes_atomic()
make_sqs_dedup_scoped()
# The SQS emulation every moto test meets is the one the dev server runs (see durable/_local/moto_sqs.py).
index_sqs_queues()
