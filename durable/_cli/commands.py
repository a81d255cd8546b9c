"""``durable workflow <command>``: each command is one or a few calls of the HTTP API.

Mutations go through :class:`durable.client.Client` (so ids, policies and errors behave as
in the SDK); reads print the API's JSON (``--json``) or a table made from it.

Building the parser imports this module (``durable --help`` does), so it imports nothing
heavy: a command reaches the client and the transport through the :class:`Session` it is
given, which :mod:`durable._cli.run` makes when the command runs.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from durable._cli.archived import add_archived, archived_flag
from durable._cli.arguments import (
    DEFAULT_ADDRESS,
    Command,
    add_command,
    add_inputs,
    add_run_id,
    add_workflow_id,
    common_options,
)
from durable._cli.batch import add_batch_options, start_batch
from durable._cli.output import compact, failure_line, print_json, table, when
from durable._cli.reset import add_reset_command
from durable._cli.updates import add_update_commands, add_update_with_start_command
from durable._id_policies import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from durable.envconfig import ClientConfigProfile

if TYPE_CHECKING:
    from durable._cli.session import Session

__all__ = ["CODEC_ENDPOINT_ENV", "DEFAULT_ADDRESS", "Command", "add_workflow_commands", "common_options", "connection"]

CODEC_ENDPOINT_ENV = "DURABLE_CODEC_ENDPOINT"


def connection(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The API's URL and the transport's options: ``--address``, else the profile's address
    (``--profile``/``$DURABLE_PROFILE`` in ``--config-file``/``$DURABLE_CONFIG_FILE``, with
    ``$DURABLE_ADDRESS`` over it, as :mod:`durable.envconfig` reads it), else the dev server."""
    source = Path(args.config_file) if getattr(args, "config_file", None) else None
    config = ClientConfigProfile.load(getattr(args, "profile", None), config_source=source).to_client_connect_config()
    address = args.address or config.get("target_host") or DEFAULT_ADDRESS
    return address, {
        "api_key": config.get("api_key"),
        "tls": config.get("tls"),
        "rpc_metadata": config.get("rpc_metadata"),
    }


def _wf(workflow_id: str) -> str:
    return f"/workflows/{quote(workflow_id, safe='')}"


# -- commands --------------------------------------------------------------------------


async def _start(args: argparse.Namespace, s: Session) -> int:
    handle = await s.client.start_workflow(
        args.type,
        args=args.input or [],
        id=args.workflow_id,
        task_queue=args.task_queue,
        id_reuse_policy=WorkflowIDReusePolicy[args.id_reuse_policy],
        id_conflict_policy=WorkflowIDConflictPolicy[args.id_conflict_policy],
        cron_schedule=args.cron or "",
    )
    if s.json:
        print_json({"workflow_id": handle.id, "run_id": handle.result_run_id}, s.out)
    else:
        s.out.write(f"Started {args.type} {handle.id} (run {handle.result_run_id})\n")
    return 0


async def _execute(args: argparse.Namespace, s: Session) -> int:
    handle = await s.client.start_workflow(
        args.type,
        args=args.input or [],
        id=args.workflow_id,
        task_queue=args.task_queue,
        id_reuse_policy=WorkflowIDReusePolicy[args.id_reuse_policy],
        id_conflict_policy=WorkflowIDConflictPolicy[args.id_conflict_policy],
    )
    if not s.json:
        s.out.write(f"Started {args.type} {handle.id} (run {handle.result_run_id}); waiting for its result\n")
    return await _print_result(s, handle.id, handle.result_run_id)


async def _result(args: argparse.Namespace, s: Session) -> int:
    return await _print_result(s, args.workflow_id, args.run_id)


async def _print_result(s: Session, workflow_id: str, run_id: str | None) -> int:
    while True:  # each request waits up to 20 s on the server
        status, body = await s.transport.call("GET", f"{_wf(workflow_id)}/result", query={"run_id": run_id})
        if status != 202:
            break
    if s.json:
        print_json(body, s.out)
    elif body["status"] == "COMPLETED":
        s.out.write(f"{body['status']}\n{json.dumps(body['result'], indent=2, ensure_ascii=False)}\n")
    else:
        failure = body.get("failure") or {}
        s.out.write(f"{body['status']}: {failure_line(failure)}\n")
    return 0 if body["status"] == "COMPLETED" else 1


def _one_or_many(args: argparse.Namespace, operation: str) -> bool:
    """Whether the command acts on the runs ``--query`` matches (a batch job, as temporal's
    ``workflow signal|cancel|terminate --query``) rather than on ``--workflow-id``."""
    if (args.workflow_id is None) == (args.query is None):
        raise ValueError(f"pass --workflow-id (one execution) or --query (a batch {operation} of the runs it matches)")
    if args.query is not None and args.run_id is not None:
        raise ValueError("--run-id names a run of --workflow-id; with --query, the filter chooses the runs")
    args.operation = operation
    return args.query is not None


async def _signal(args: argparse.Namespace, s: Session) -> int:
    if _one_or_many(args, "signal"):
        return await start_batch(args, s)
    # Straight to the API, not the SDK handle: a mistyped signal name is a 404 here, not a silent drop.
    body = {"input": args.input or [], "run_id": args.run_id}
    await s.transport.call("POST", f"{_wf(args.workflow_id)}/signals/{quote(args.name, safe='')}", body)
    if s.json:
        print_json({}, s.out)
    else:
        s.out.write(f"Signal {args.name} sent to {args.workflow_id}\n")
    return 0


async def _signal_with_start(args: argparse.Namespace, s: Session) -> int:
    handle = await s.client.start_workflow(
        args.type,
        args=args.input or [],
        id=args.workflow_id,
        task_queue=args.task_queue,
        id_reuse_policy=WorkflowIDReusePolicy[args.id_reuse_policy],
        id_conflict_policy=WorkflowIDConflictPolicy[args.id_conflict_policy],
        start_signal=args.signal_name,
        start_signal_args=args.signal_input or [],
    )
    if s.json:
        print_json({"workflow_id": handle.id, "run_id": handle.result_run_id}, s.out)
    else:
        s.out.write(f"Signal {args.signal_name} sent to {args.type} {handle.id} (run {handle.result_run_id})\n")
    return 0


async def _count(args: argparse.Namespace, s: Session) -> int:
    counted = await s.client.count_workflows(args.query)
    if s.json:
        groups = [{"group_values": list(g.group_values), "count": g.count} for g in counted.groups]
        print_json({"count": counted.count, "groups": groups}, s.out)
        return 0
    s.out.write(f"Total: {counted.count}\n")
    if counted.groups:
        rows = [(g.count, ", ".join(str(v) for v in g.group_values)) for g in counted.groups]
        table(["COUNT", "GROUP"], rows, s.out)
    return 0


async def _query(args: argparse.Namespace, s: Session) -> int:
    result = await s.client.get_workflow_handle(args.workflow_id, run_id=args.run_id).query(
        args.name, args=args.input or []
    )
    if s.json:
        print_json({"result": result}, s.out)
    else:
        s.out.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return 0


async def _cancel(args: argparse.Namespace, s: Session) -> int:
    if _one_or_many(args, "cancel"):
        return await start_batch(args, s)
    await s.transport.call("POST", f"{_wf(args.workflow_id)}/cancel", {"run_id": args.run_id, "reason": args.reason})
    if s.json:
        print_json({}, s.out)
    else:
        s.out.write(f"Cancellation requested for {args.workflow_id}\n")
    return 0


async def _terminate(args: argparse.Namespace, s: Session) -> int:
    if _one_or_many(args, "terminate"):
        return await start_batch(args, s)
    await s.client.get_workflow_handle(args.workflow_id, run_id=args.run_id).terminate(reason=args.reason)
    if s.json:
        print_json({}, s.out)
    else:
        s.out.write(f"Terminated {args.workflow_id}\n")
    return 0


async def _describe(args: argparse.Namespace, s: Session) -> int:
    d = await s.decoded(
        await s.get(_wf(args.workflow_id), run_id=args.run_id, archived=archived_flag(args)), args.codec_endpoint
    )
    if s.json:
        print_json(d, s.out)
        return 0
    rows = [
        ("Workflow ID", d["workflow_id"]),
        ("Run ID", d["run_id"]),
        ("Type", d["workflow_type"]),
        ("Task queue", d["task_queue"]),
        ("Status", d["status"]),
        ("Start time", when(d["start_time"])),
        ("Close time", when(d["close_time"])),
        ("History length", d["history_length"]),
        ("Input", compact(d["input"], 100)),
    ]
    if d.get("build_ids"):
        rows.append(("Build id", d["build_ids"][0]))  # the code it started on
        if len(d["build_ids"]) > 1:
            rows.append(("Latest build id", d["build_ids"][-1]))
    if d["status"] == "COMPLETED":
        rows.append(("Result", compact(d["result"], 100)))
    if d.get("failure"):
        rows.append(("Failure", failure_line(d["failure"])))
    if d.get("task_failure"):
        rows.append(("Workflow task failing", failure_line(d["task_failure"])))
    for key, label in (("base_run_id", "Reset from run"), ("reset_run_id", "Reset to run")):
        if d.get(key):
            rows.append((label, d[key]))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        s.out.write(f"{key.ljust(width)}  {value}\n")
    if d["pending_activities"]:
        s.out.write("\nPending activities:\n")
        table(
            ["ID", "TYPE", "STATE", "ATTEMPT", "LAST HEARTBEAT", "DETAILS", "LAST FAILURE"],
            [
                (
                    p["activity_id"],
                    p["activity_type"],
                    _state(p),
                    p["attempt"],
                    when(p["last_heartbeat_time"]),
                    compact(p["heartbeat_details"], 30) if p["heartbeat_details"] else "",
                    p["last_failure"]["message"] if p.get("last_failure") else "",
                )
                for p in d["pending_activities"]
            ],
            s.out,
        )
    return 0


def _state(pending: dict[str, Any]) -> str:
    """A pending activity's state, with the reason it was paused for."""
    pause = pending.get("pause")
    return f"{pending['state']} ({pause['reason']})" if pause and pause["reason"] else str(pending["state"])


async def _list(args: argparse.Namespace, s: Session) -> int:
    executions: list[dict[str, Any]] = []
    token = None
    while len(executions) < args.limit:
        page = await s.get(
            "/workflows",
            query=args.query,
            status=args.status,
            workflow_type=args.type,
            page_size=min(args.limit - len(executions), 1000),
            next_page_token=token,
            archived=archived_flag(args),
        )
        executions += page["executions"]
        token = page["next_page_token"]
        if token is None:
            break
    executions = executions[: args.limit]
    if s.json:
        print_json(executions, s.out)
        return 0
    if not executions:
        s.out.write("No workflow executions\n")
        return 0
    table(
        ["STATUS", "WORKFLOW ID", "TYPE", "START TIME", "CLOSE TIME", "RUN ID"],
        [
            (
                e["status"],
                e["workflow_id"],
                e["workflow_type"],
                when(e["start_time"]),
                when(e["close_time"]),
                e["run_id"],
            )
            for e in executions
        ],
        s.out,
    )
    return 0


_SHOWN = (
    "signal_name",
    "activity_type",
    "activity_id",
    "attempt",
    "duration",
    "input",
    "result",
    "reason",
    "new_execution_run_id",
)


async def _history(args: argparse.Namespace, s: Session) -> int:
    h = await s.decoded(
        await s.get(f"{_wf(args.workflow_id)}/history", run_id=args.run_id, archived=archived_flag(args)),
        args.codec_endpoint,
    )
    if s.json:
        print_json(h, s.out)
        return 0
    rows = []
    for e in h["events"]:
        attrs = e["attributes"]
        details = [f"{k}={compact(attrs[k], 40)}" for k in _SHOWN if k in attrs and attrs[k] not in (None, [], "")]
        if attrs.get("failure"):
            details.append(f"failure={compact(attrs['failure'].get('message', ''), 60)}")
        rows.append((e["event_id"], when(e["event_time"]), e["event_type"], " ".join(details)))
    table(["ID", "TIME", "TYPE", "DETAILS"], rows, s.out)
    return 0


# -- the parser --------------------------------------------------------------------------


def _starting(parser: argparse.ArgumentParser, *, conflict_default: str | None = "FAIL") -> None:
    """The flags of a start; ``conflict_default`` None: --id-conflict-policy is required."""
    parser.add_argument("--type", required=True, help="the workflow type")
    parser.add_argument("--task-queue", "-t", required=True, help="the task queue")
    add_workflow_id(parser)
    add_inputs(parser, "an argument of the run method")
    parser.add_argument("--id-reuse-policy", default="ALLOW_DUPLICATE", choices=[p.name for p in WorkflowIDReusePolicy])
    parser.add_argument(
        "--id-conflict-policy",
        default=conflict_default,
        required=conflict_default is None,
        choices=[p.name for p in WorkflowIDConflictPolicy if p.name != "UNSPECIFIED"],
    )


def _codec_endpoint(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--codec-endpoint",
        default=os.environ.get(CODEC_ENDPOINT_ENV),
        help="a codec server's URL (`durable codec-server`): encoded payloads are decoded through its "
        f"POST /decode (default: ${CODEC_ENDPOINT_ENV}); without it they are shown as stored",
    )


def _one_or_query(parser: argparse.ArgumentParser) -> None:
    """One execution (``--workflow-id``, ``--run-id``), or the runs a ``--query`` matches."""
    add_workflow_id(parser, required=False)
    add_run_id(parser)
    parser.add_argument(
        "--query", "-q", help="act on every run this list filter matches, as a batch job (`durable batch`)"
    )
    add_batch_options(parser)


def add_workflow_commands(subparsers: Any) -> None:
    """``durable workflow ...`` and its commands."""
    workflow = subparsers.add_parser("workflow", help="start, signal, query, list and inspect workflow executions")
    commands = workflow.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, run: Command, help: str) -> argparse.ArgumentParser:
        return add_command(commands, name, run, help)

    p = command("start", _start, "start a workflow execution")
    _starting(p)
    p.add_argument("--cron", help="a cron schedule: a run at each tick")
    p = command("execute", _execute, "start a workflow execution and wait for its result")
    _starting(p)
    p = command("signal", _signal, "send a signal (to the runs --query matches: a batch job)")
    _one_or_query(p)
    p.add_argument("--name", required=True, help="the signal name")
    add_inputs(p, "an argument of the signal handler")
    p.add_argument("--reason", help="why (with --query: recorded with the batch job)")
    p = command(
        "signal-with-start", _signal_with_start, "send a signal, starting the workflow first when the id is not running"
    )
    _starting(p, conflict_default="USE_EXISTING")
    p.add_argument("--signal-name", "--signal-type", dest="signal_name", required=True, help="the signal name")
    add_inputs(p, "an argument of the signal handler", "--signal-input", dest="signal_input")
    add_update_commands(commands)
    add_update_with_start_command(commands, lambda parser: _starting(parser, conflict_default=None))
    p = command("query", _query, "run a query handler")
    add_workflow_id(p)
    add_run_id(p)
    p.add_argument("--name", "--type", dest="name", required=True, help="the query name")
    add_inputs(p, "an argument of the query handler")
    p = command("describe", _describe, "show an execution: status, input, outcome, pending activities")
    add_workflow_id(p)
    add_run_id(p)
    _codec_endpoint(p)
    add_archived(p, "read the run from the archive (kept after the retention period)")
    p = command("list", _list, "list executions, newest first")
    p.add_argument(
        "--query", "-q", help="a list filter, e.g. \"WorkflowType = 'OrderWorkflow' AND ExecutionStatus = 'Running'\""
    )
    p.add_argument(
        "--status",
        choices=["RUNNING", "COMPLETED", "FAILED", "CANCELED", "TERMINATED", "CONTINUED_AS_NEW", "TIMED_OUT"],
    )
    p.add_argument("--type", help="only this workflow type")
    p.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    add_archived(p, "list the archived runs (closed runs kept after the retention period)")
    p = command("count", _count, "count executions (GROUP BY ExecutionStatus: per status)")
    p.add_argument(
        "--query", "-q", help="a list filter, e.g. \"ExecutionStatus = 'Running'\" (default: every execution)"
    )
    for name in ("history", "show"):  # `temporal workflow show`'s name, and durable's first one
        p = command(name, _history, "show a run's events")
        add_workflow_id(p)
        add_run_id(p)
        _codec_endpoint(p)
        add_archived(p, "read the run's events from the archive (kept after the retention period)")
    p = command("result", _result, "wait for an execution's outcome")
    add_workflow_id(p)
    add_run_id(p)
    p = command("cancel", _cancel, "request cancellation (of the runs --query matches: a batch job)")
    _one_or_query(p)
    p.add_argument("--reason", help="why")
    p = command("terminate", _terminate, "end an execution now (the runs --query matches: a batch job)")
    _one_or_query(p)
    p.add_argument("--reason", help="why")
    add_reset_command(commands)
