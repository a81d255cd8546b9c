# Ours: the activities of the sample dsl (its activities.py is not at hand), in the shape its
# worker registers (DSLActivities().activity1 ... activity5) and returning, as the same sample in
# Temporal's .NET samples does, "[result from activityN: <arguments>]".
from durable import activity


class DSLActivities:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def _result(self, name: str, *args: str) -> str:
        self.calls.append(name)
        return f"[result from {name}: {' '.join(args)}]"

    @activity.defn
    async def activity1(self, arg: str) -> str:
        return self._result("activity1", arg)

    @activity.defn
    async def activity2(self, arg: str) -> str:
        return self._result("activity2", arg)

    @activity.defn
    async def activity3(self, arg1: str, arg2: str) -> str:
        return self._result("activity3", arg1, arg2)

    @activity.defn
    async def activity4(self, arg: str) -> str:
        return self._result("activity4", arg)

    @activity.defn
    async def activity5(self, arg1: str, arg2: str) -> str:
        return self._result("activity5", arg1, arg2)
