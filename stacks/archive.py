"""The archive bucket: closed runs, one object each, kept after their table items expire.

Layout (``durable._runtime.archive``): ``archive/namespace=<ns>/close_date=<date>/...``, the
runs, which Athena reads (docs/archival.md); ``index/namespace=<ns>/...``, empty objects that
find a run by its workflow id.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.context_values import whole_days

__all__ = ["ArchiveBucket", "check_archive_retention_days"]

_MAX_DAYS = 36500


def check_archive_retention_days(value: object) -> int | None:
    """``-c archive_retention_days=N``: archived runs are deleted N days after their archiving;
    absent (None): kept for good."""
    if value is None or value == "":
        return None
    return whole_days(
        value,
        option="archive_retention_days",
        most=_MAX_DAYS,
        hint=", or leave it out to keep archived runs for good, e.g. -c archive_retention_days=365",
    )


class ArchiveBucket(Construct):
    """One private, TLS-only, encrypted bucket per namespace for its archived runs.

    SSE-S3 for the reason the payload bucket gives (``stacks/payloads.py``): the same data
    lies in the tables and queues, readable by the same roles. Objects are written in
    S3 Intelligent-Tiering (``durable._aws.archive``), which stores the many small ones
    (under 128 KB) at S3 Standard's price and moves the large ones to cheaper tiers as
    they age unread, with no lifecycle transition request per object.
    """

    def __init__(self, scope: Construct, construct_id: str, *, retention_days: int | None) -> None:
        super().__init__(scope, construct_id)
        rules = [s3.LifecycleRule(id="incomplete-uploads", abort_incomplete_multipart_upload_after=Duration.days(1))]
        if retention_days is not None:
            rules.append(s3.LifecycleRule(id="archive-retention", expiration=Duration.days(retention_days)))
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            # An archived run is written once (again only with the same bytes): no versions to keep.
            versioned=False,
            lifecycle_rules=rules,
            # The archive is the only copy of a run once its items expire: it outlives the stack.
            removal_policy=RemovalPolicy.RETAIN,
        )
        Validations.of(self.bucket).acknowledge(
            Acknowledgment(
                id="AwsSolutions-S1",
                reason="Only this namespace's function roles write the archive (public access blocked, no bucket "
                "policy grants anyone else), once per closed run: server access logs would add a second bucket "
                "for one PUT per run; CloudTrail S3 data events are the audit trail where one is required",
            ),
        )

    def grant_archiving(self, grantee: iam.IGrantable) -> None:
        """Put and get archived runs and list the archive (no delete: only the lifecycle removes one).

        s3:ListBucket finds a run by its workflow id (the index prefix) and lists by close date.
        """
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:GetObject", "s3:PutObject"], resources=[self.bucket.arn_for_objects("*")])
        )
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[self.bucket.bucket_arn])
        )
