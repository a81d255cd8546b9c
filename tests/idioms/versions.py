"""One workflow type, Invoice, at four stages of a change guarded by a patch, and three small
workflows whose histories a Replayer checks against their code and a changed version of it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from durable import workflow

with workflow.unsafe.imports_passed_through():
    from tests.idioms.activities import gross_amount, net_amount, shout

ACTIVITY = {"start_to_close_timeout": timedelta(seconds=5)}


class _Invoice:
    def __init__(self) -> None:
        self.amount = ""

    @workflow.query
    def amount_kind(self) -> str:
        return self.amount


@workflow.defn(name="Invoice")
class InvoiceBefore(_Invoice):
    @workflow.run
    async def run(self) -> None:
        self.amount = await workflow.execute_activity(net_amount, **ACTIVITY)


@workflow.defn(name="Invoice")
class InvoicePatched(_Invoice):
    @workflow.run
    async def run(self) -> None:
        if workflow.patched("gross-amounts"):
            self.amount = await workflow.execute_activity(gross_amount, **ACTIVITY)
        else:
            self.amount = await workflow.execute_activity(net_amount, **ACTIVITY)


@workflow.defn(name="Invoice")
class InvoicePatchDeprecated(_Invoice):
    @workflow.run
    async def run(self) -> None:
        workflow.deprecate_patch("gross-amounts")
        self.amount = await workflow.execute_activity(gross_amount, **ACTIVITY)


@workflow.defn(name="Invoice")
class InvoiceAfter(_Invoice):
    @workflow.run
    async def run(self) -> None:
        self.amount = await workflow.execute_activity(gross_amount, **ACTIVITY)


STAGES = {
    "before": InvoiceBefore,
    "patched": InvoicePatched,
    "deprecated": InvoicePatchDeprecated,
    "after": InvoiceAfter,
}


@workflow.defn
class OnlyActivity:
    @workflow.run
    async def run(self, word: str) -> str:
        return await workflow.execute_activity(shout, word, **ACTIVITY)


@workflow.defn
class OnlyTimer:
    @workflow.run
    async def run(self, word: str) -> str:
        await asyncio.sleep(0.5)
        return f"{word} waited"


@workflow.defn
class TimerThenActivity:
    @workflow.run
    async def run(self, word: str) -> str:
        await workflow.sleep(timedelta(seconds=1))
        return await workflow.execute_activity(shout, word, **ACTIVITY)


@workflow.defn(name="OnlyActivity")
class OnlyActivityWithAPause:
    """OnlyActivity changed in a way its old histories do not allow: a timer before the activity."""

    @workflow.run
    async def run(self, word: str) -> str:
        await asyncio.sleep(0.5)
        return await workflow.execute_activity(shout, word, **ACTIVITY)
