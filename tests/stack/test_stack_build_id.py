"""Every function of a deploy gets the same DURABLE_BUILD_ID, derived from the code assets, so
each workflow task names the code that decided it; a change of the code changes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from durable import _settings as settings
from durable._aws.app import LambdaApp
from stacks.bundling import PROJECT_ROOT, build_id
from statemachines.registry import WORKFLOWS


def test_every_function_has_the_build_id_of_the_code_it_runs(synthesized):
    functions = synthesized.resources("AWS::Lambda::Function").values()
    ids = {
        f["Properties"]["FunctionName"]: f["Properties"]["Environment"]["Variables"][settings.BUILD_ID]
        for f in functions
    }
    assert len(ids) == len(synthesized.stack.functions())
    assert set(ids.values()) == {build_id(PROJECT_ROOT)}
    # What the orchestrator stamps on the tasks it completes.
    app = LambdaApp(workflows=WORKFLOWS, environ={settings.BUILD_ID: build_id(PROJECT_ROOT)})
    assert {app.registry.build_id(task_queue) for task_queue in WORKFLOWS} == {build_id(PROJECT_ROOT)}


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


TREE = {
    "requirements.txt": "pydantic==2.9.2\n",
    "durable/__init__.py": "",
    "durable/workflow.py": "def run(): ...\n",
    "functions/orchestrator/handler.py": "def handler(event, context): ...\n",
    "statemachines/order.py": "class Order: ...\n",
    "docs/notes.md": "not deployed\n",
}


def test_the_same_code_has_the_same_build_id_wherever_it_is(tmp_path):
    one = _tree(tmp_path / "one", TREE)
    two = _tree(tmp_path / "two", TREE)
    assert build_id(one) == build_id(two)
    _tree(two, {"docs/notes.md": "edited, still not deployed\n"})
    assert build_id(one) == build_id(two)


@pytest.mark.parametrize(
    "changed",
    [
        {"statemachines/order.py": "class Order:\n    version = 2\n"},
        {"functions/orchestrator/handler.py": "def handler(event, context): return None\n"},
        {"durable/workflow.py": "def run(): return 1\n"},
        {"requirements.txt": "pydantic==2.10.0\n"},
        {"statemachines/saga.py": "class Saga: ...\n"},
    ],
)
def test_a_change_to_the_deployed_code_changes_the_build_id(tmp_path, changed):
    before = build_id(_tree(tmp_path / "before", TREE))
    after = build_id(_tree(tmp_path / "after", {**TREE, **changed}))
    assert before != after
