# Ported from Temporal's samples (temporalio/samples-python): resource_pool/pool_client/__init__.py.
# MIT License, Copyright (c) 2022 Temporal Technologies Inc. (see tests/samples/LICENSE).
# Unchanged.
from .resource_pool_client import ResourcePoolClient
from .resource_pool_workflow import ResourcePoolWorkflow
