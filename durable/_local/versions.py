"""The local stand-in for the orchestrator's published versions: one handler per build.

A deployment keeps each build's orchestrator as a Lambda version under the build's alias;
here each build is a handler in the process (its own registry of workflow code). The
event is passed through JSON, as Lambda passes it, and a handler that raises fails the
invocation as a whole, as Lambda's ``FunctionError`` does. With ``aws`` (moto's Lambda),
whether a build still has a version is Lambda's answer (the alias is looked up there
first, so a version the reconciler deleted is gone here too); moto never runs a function,
so the handler runs in the process.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

from durable._aws.versions import LambdaVersions
from durable._runtime.pinning import BuildRetired, ForwardedEvent, PinnedInvocationFailed

__all__ = ["LocalVersions"]

Handler = Callable[[dict[str, Any]], PartialItemFailureResponse]

LAMBDA_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024
"""Lambda's limit on a synchronous invocation's request (and response) payload."""


class LocalVersions:
    """:class:`~durable._runtime.pinning.VersionInvoker` over handlers in this process."""

    def __init__(self, handlers: Mapping[str, Handler], *, aws: LambdaVersions | None = None) -> None:
        """``handlers``: build id -> its orchestrator handler; ``aws``: moto's Lambda, asked first."""
        self.handlers = dict(handlers)
        self.aws = aws
        self._versions = {build_id: str(n) for n, build_id in enumerate(self.handlers, start=1)}  # deploy order
        self.invocations = 0
        """How many invocations were made (the cost of pinning: one per forwarded run of a batch)."""

    def invoke_build(self, build_id: str, event: ForwardedEvent) -> PartialItemFailureResponse:
        """Run the build's handler with the event, as Lambda would run its version."""
        if self.aws is not None and not self.aws.has(build_id):
            raise BuildRetired(build_id)
        handler = self.handlers.get(build_id)
        if handler is None:
            raise BuildRetired(build_id)
        payload = json.dumps(event, separators=(",", ":"))
        if len(payload.encode()) > LAMBDA_SYNC_PAYLOAD_BYTES:
            raise PinnedInvocationFailed(f"a {len(payload)}-byte payload is over Lambda's 6 MB")
        self.invocations += 1
        try:
            answer = handler(json.loads(payload))
        except Exception as err:
            raise PinnedInvocationFailed(f"build {build_id} failed: {type(err).__name__}: {err}") from err
        decoded: PartialItemFailureResponse = json.loads(json.dumps(answer))
        return decoded

    def published(self) -> dict[str, str]:
        """:class:`~durable._runtime.build_retirement.PublishedBuilds`: the builds with a version."""
        if self.aws is not None:
            return self.aws.published()
        return dict(self._versions)

    def retire(self, build_id: str, version: str) -> None:
        """Delete the build's version (in moto's Lambda too): its handler is gone."""
        if self.aws is not None:
            self.aws.retire(build_id, version)
        self._versions.pop(build_id, None)
        self.handlers.pop(build_id, None)
