"""Scenario tests written for durable on the idioms Temporal's public Python samples rely on
(imports passed through the sandbox, message handlers, update-with-start, long sleeps, polling,
workflows coordinating by signals, child-workflow windows, interpreters, patching, replay, eager
start, schedules). The workflows here are our own; only the idioms are modelled on the samples,
to show that code written that way runs on durable with its imports changed."""
