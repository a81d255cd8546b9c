"""What the dev server of the CLI's codec tests runs (``durable dev --registry tests.cli.codec_registry``):
a workflow whose input and failure hold a marker, under the AES-GCM codec of tests/helpers."""

from __future__ import annotations

from durable import workflow
from durable.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from durable.exceptions import ApplicationError
from tests.helpers.encryption import EncryptionCodec

TASK_QUEUE = "codec-cli"
MARKER = "CLI-PLAINTEXT-91c2"


@workflow.defn
class Refuser:
    @workflow.run
    async def run(self, note: str) -> None:
        raise ApplicationError(f"refused {note}", {"note": note}, type="Refused", non_retryable=True)


WORKFLOWS = {TASK_QUEUE: [Refuser]}
ACTIVITIES: dict[str, list[object]] = {}
DATA_CONVERTER = DataConverter(
    payload_codec=EncryptionCodec(), failure_converter_class=DefaultFailureConverterWithEncodedAttributes
)
