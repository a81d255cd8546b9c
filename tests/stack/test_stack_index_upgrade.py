"""The upgrade of a stack deployed before the sharded listing indexes: one index change a deploy."""

from __future__ import annotations

import pytest

from tests.stack.conftest import Synth

UNSHARDED = {"by_start", "by_status", "by_type"}
SHARDED = {"by_start", "by_status_shard", "by_type_shard"}


def _indexes(s: Synth) -> set[str]:
    props = s.template["Resources"][s.logical_id(s.stack.tables.executions)]["Properties"]
    return {i["IndexName"] for i in props["GlobalSecondaryIndexes"]}


def test_each_upgrade_step_adds_or_removes_exactly_one_index_on_the_way_to_the_sharded_ones(synthesize):
    # DynamoDB (and so CloudFormation) creates or deletes one GSI per table update.
    steps = [UNSHARDED]
    for step in ("1", "2", "3"):  # as `cdk deploy -c executions_index_upgrade=N` passes it
        steps.append(_indexes(synthesize(namespace="upgrade", executions_index_upgrade=step)))
    steps.append(_indexes(synthesize(namespace="upgrade")))

    assert steps[-1] == SHARDED
    for before, after in zip(steps, steps[1:], strict=False):
        assert len(before ^ after) == 1, (before, after)


def test_an_unknown_upgrade_step_fails_the_synth_naming_the_option(synthesize):
    with pytest.raises(ValueError, match="executions_index_upgrade '4': give 1, 2 or 3"):
        synthesize(namespace="bad", executions_index_upgrade="4")
