# The sample message_passing/update_with_start/lazy_initialization of Temporal's samples
# (temporalio/samples-python): a shopping cart created by the first update-with-start and reused
# by the next (USE_EXISTING), an update that fails with an ApplicationError the caller sees.
# test_shopping_cart_workflow is the sample's own (tests/message_passing/lazy_initialization/
# test_lazy_initialization.py, MIT License, Copyright (c) 2022 Temporal Technologies Inc., see
# tests/samples/LICENSE), imports changed and without its skip on a time-skipping server (a Java
# test server bug); the last test is ours, with the starter's request handler.
import uuid

import pytest
from durable import common
from durable.client import Client, WithStartWorkflowOperation
from durable.testing import WorkflowEnvironment
from durable.worker import Worker

from tests.samples.lazy_initialization import TASK_QUEUE
from tests.samples.lazy_initialization.workflows import (
    ShoppingCartItem,
    ShoppingCartWorkflow,
    get_price,
)


async def test_shopping_cart_workflow(client: Client, env: WorkflowEnvironment):
    async with Worker(
        client,
        task_queue="lazy-initialization-test",
        workflows=[ShoppingCartWorkflow],
        activities=[get_price],
    ):
        cart_id = "cart--session-1234"
        make_start_op = lambda: WithStartWorkflowOperation(
            ShoppingCartWorkflow.run,
            id=cart_id,
            id_conflict_policy=common.WorkflowIDConflictPolicy.USE_EXISTING,
            task_queue="lazy-initialization-test",
        )
        start_op_1 = make_start_op()
        price = await client.execute_update_with_start_workflow(
            ShoppingCartWorkflow.add_item,
            ShoppingCartItem(sku="item-1", quantity=2),
            start_workflow_operation=start_op_1,
        )

        assert price == 1198

        workflow_handle = await start_op_1.workflow_handle()

        start_op_2 = make_start_op()
        price = await client.execute_update_with_start_workflow(
            ShoppingCartWorkflow.add_item,
            ShoppingCartItem(sku="item-2", quantity=1),
            start_workflow_operation=start_op_2,
        )
        assert price == 1797

        workflow_handle = await start_op_2.workflow_handle()

        await workflow_handle.signal(ShoppingCartWorkflow.checkout)

        finalized_order = await workflow_handle.result()
        assert finalized_order.items == [
            (ShoppingCartItem(sku="item-1", quantity=2), 1198),
            (ShoppingCartItem(sku="item-2", quantity=1), 599),
        ]
        assert finalized_order.total == 1797


# -- ours: the starter's request handler, with an item the price service does not have ----------


async def test_an_unavailable_item_fails_its_update_and_leaves_the_cart(client: Client):
    from tests.samples.lazy_initialization.starter import handle_add_item_request

    async with Worker(client, task_queue=TASK_QUEUE, workflows=[ShoppingCartWorkflow], activities=[get_price]):
        session_id = f"session-{uuid.uuid4()}"
        subtotal_1, first = await handle_add_item_request(session_id, "sku-123", 1, client)
        subtotal_2, wf_handle = await handle_add_item_request(session_id, "sku-456", 1, client)
        assert [subtotal_1, subtotal_2] == [599, None]
        assert first.id == wf_handle.id == f"cart-{session_id}"
        await wf_handle.signal(ShoppingCartWorkflow.checkout)
        final_order = await wf_handle.result()
    assert final_order.items == [(ShoppingCartItem(sku="sku-123", quantity=1), 599)]
    assert final_order.total == 599
