# Ported from Temporal's samples (temporalio/samples-python): schedules/your_dataobject.py.
# MIT License, Copyright (c) 2022 Temporal Technologies Inc. (see tests/samples/LICENSE).
# Unchanged.
from dataclasses import dataclass


@dataclass
class YourParams:
    greeting: str
    name: str
