"""What the deployment runs: each task queue's workflows and activities (one line per entry)."""

from functions.activities.orders.activities import ACTIVITIES as ORDER_ACTIVITIES
from statemachines.order import OrderWorkflow
from statemachines.saga import OrderSagaWorkflow

WORKFLOWS = {"orders": [OrderWorkflow, OrderSagaWorkflow]}
ACTIVITIES = {"orders": ORDER_ACTIVITIES}
