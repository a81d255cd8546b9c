"""The payload bucket: the claim check for payloads too large for a table item or a queue body.

The engine stores such a payload once under a content-addressed key and carries the key in
the history, the execution record or the message; any function that reads or writes
workflow data may need to follow or leave such a reference.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.context_values import whole_days

__all__ = ["DEFAULT_RETENTION_DAYS", "PayloadBucket", "check_retention_days"]

# Temporal's default namespace retention, and the executions store's default TTL.
DEFAULT_RETENTION_DAYS = 30
# S3 lifecycle counts in whole days; a namespace keeps closed runs at most ten years.
_MAX_RETENTION_DAYS = 3650


def check_retention_days(value: object) -> int:
    """``-c retention_days=N``: how long closed runs are kept in the tables."""
    return whole_days(
        value,
        option="retention_days",
        most=_MAX_RETENTION_DAYS,
        hint=" (how long closed runs are kept before they expire), e.g. -c retention_days=30",
    )


class PayloadBucket(Construct):
    """One private, TLS-only, encrypted bucket per namespace, kept as long as the histories.

    SSE-S3 (S3-managed keys), not KMS: the same workflow data lies in the tables (AWS managed
    key) and the queues (SQS-managed keys), readable by the same roles, so a customer key
    here would add no real protection; it would add a KMS request to every claim-check read
    and write (cost, and KMS's per-account request quota under load) and a KMS grant to
    every function role.
    """

    def __init__(self, scope: Construct, construct_id: str, *, retention_days: int) -> None:
        super().__init__(scope, construct_id)
        self.retention_days = retention_days
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            # No bucket_name: S3 names are global, a generated one never collides with another
            # account's; the functions learn it from DURABLE_PAYLOAD_BUCKET.
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            # Content-addressed keys: an object is written once and never changes, so no versions.
            versioned=False,
            # No expiry by age: S3 counts an object's age from its write, and a run may wait
            # longer than the retention (a year-long timer) and then replay from the input it
            # stored on its first day. Objects live as long as the histories that refer to
            # them (the history table keeps them for good today); removing both together
            # when a closed run's retention ends belongs with archival.
            lifecycle_rules=[
                s3.LifecycleRule(id="incomplete-uploads", abort_incomplete_multipart_upload_after=Duration.days(1))
            ],
            # Histories that outlive the stack (the tables are retained) still point here.
            removal_policy=RemovalPolicy.RETAIN,
        )
        Validations.of(self.bucket).acknowledge(
            Acknowledgment(
                id="AwsSolutions-S1",
                reason="Only this namespace's function roles read and write the bucket (public access "
                "blocked, no bucket policy grants anyone else), and every access is one engine step: server "
                "access logs would double the engine's own S3 traffic into a second bucket of their own; "
                "CloudTrail S3 data events are the audit trail to turn on where one is required",
            ),
        )

    def grant_read_write(self, grantee: iam.IGrantable) -> None:
        """Get and put objects, no delete (no function removes a payload), no other bucket's objects.

        s3:ListBucket on the bucket itself makes a missing key a 404 (NoSuchKey) instead of a
        403, so a missing payload reads as missing, not as a permissions fault.
        """
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:GetObject", "s3:PutObject"], resources=[self.bucket.arn_for_objects("*")])
        )
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[self.bucket.bucket_arn])
        )
