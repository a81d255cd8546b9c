# The sample message_passing/introduction of Temporal's samples (temporalio/samples-python):
# a signal, queries, a sync update with a validator, an async update running an activity, and
# workflow.all_handlers_finished. The first four tests are the sample's own
# (tests/message_passing/introduction/test_introduction_sample.py, MIT License, Copyright (c)
# 2022 Temporal Technologies Inc., see tests/samples/LICENSE), imports changed; the last runs
# the sample's starter, as its README says to, and checks what it prints.
import uuid

import pytest
from durable.client import Client, WorkflowUpdateFailedError
from durable.worker import Worker

from tests.samples.message_passing_introduction import TASK_QUEUE
from tests.samples.message_passing_introduction.workflows import (
    GetLanguagesInput,
    GreetingWorkflow,
    Language,
    call_greeting_service,
)


async def test_queries(client: Client):
    async with Worker(
        client,
        task_queue=TASK_QUEUE,
        workflows=[GreetingWorkflow],
    ):
        wf_handle = await client.start_workflow(
            GreetingWorkflow.run,
            id=str(uuid.uuid4()),
            task_queue=TASK_QUEUE,
        )
        assert await wf_handle.query(GreetingWorkflow.get_language) == Language.ENGLISH
        assert await wf_handle.query(
            GreetingWorkflow.get_languages, GetLanguagesInput(include_unsupported=False)
        ) == [Language.CHINESE, Language.ENGLISH]
        assert await wf_handle.query(
            GreetingWorkflow.get_languages, GetLanguagesInput(include_unsupported=True)
        ) == [
            Language.ARABIC,
            Language.CHINESE,
            Language.ENGLISH,
            Language.FRENCH,
            Language.HINDI,
            Language.PORTUGUESE,
            Language.SPANISH,
        ]


async def test_set_language(client: Client):
    async with Worker(
        client,
        task_queue=TASK_QUEUE,
        workflows=[GreetingWorkflow],
    ):
        wf_handle = await client.start_workflow(
            GreetingWorkflow.run,
            id=str(uuid.uuid4()),
            task_queue=TASK_QUEUE,
        )
        assert await wf_handle.query(GreetingWorkflow.get_language) == Language.ENGLISH
        previous_language = await wf_handle.execute_update(
            GreetingWorkflow.set_language, Language.CHINESE
        )
        assert previous_language == Language.ENGLISH
        assert await wf_handle.query(GreetingWorkflow.get_language) == Language.CHINESE


async def test_set_invalid_language(client: Client):
    async with Worker(
        client,
        task_queue=TASK_QUEUE,
        workflows=[GreetingWorkflow],
    ):
        wf_handle = await client.start_workflow(
            GreetingWorkflow.run,
            id=str(uuid.uuid4()),
            task_queue=TASK_QUEUE,
        )
        assert await wf_handle.query(GreetingWorkflow.get_language) == Language.ENGLISH

        with pytest.raises(WorkflowUpdateFailedError):
            await wf_handle.execute_update(
                GreetingWorkflow.set_language, Language.ARABIC
            )


async def test_set_language_that_is_only_available_via_remote_service(client: Client):
    """
    Similar to test_set_invalid_language, but this time Arabic is available
    since we use the remote service.
    """
    async with Worker(
        client,
        task_queue=TASK_QUEUE,
        workflows=[GreetingWorkflow],
        activities=[call_greeting_service],
    ):
        wf_handle = await client.start_workflow(
            GreetingWorkflow.run,
            id=str(uuid.uuid4()),
            task_queue=TASK_QUEUE,
        )
        assert await wf_handle.query(GreetingWorkflow.get_language) == Language.ENGLISH
        previous_language = await wf_handle.execute_update(
            GreetingWorkflow.set_language_using_activity,
            Language.ARABIC,
        )
        assert previous_language == Language.ENGLISH
        assert await wf_handle.query(GreetingWorkflow.get_language) == Language.ARABIC


# -- the starter (ours) ---------------------------------------------------------------------

STARTER_OUTPUT = [
    "supported languages: [<Language.CHINESE: 2>, <Language.ENGLISH: 3>]",
    "language changed: ENGLISH -> CHINESE",
    "language changed: CHINESE -> ARABIC",
    "مرحبا بالعالم",
]


async def test_the_starter_prints_the_documented_outcome(client: Client, capsys):
    from tests.samples.message_passing_introduction.starter import main

    async with Worker(client, task_queue=TASK_QUEUE, workflows=[GreetingWorkflow], activities=[call_greeting_service]):
        await main(client)
    assert capsys.readouterr().out.splitlines() == STARTER_OUTPUT

