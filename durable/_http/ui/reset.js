// Reset a run (Temporal's reset): choose the workflow task to start again from, confirm, and go
// to the new run. The points are the run's WorkflowTaskCompleted/Failed events, as its history
// shows them; the first and the last are offered by name.
import { api } from "./api.js";
import { h } from "./dom.js";
import { field, openDialog } from "./dialogs.js";
import { fmtClock } from "./format.js";

const TASK_EVENTS = new Set(["WorkflowTaskCompleted", "WorkflowTaskFailed"]);

/** The event ids a run can be reset to. */
export function resetPoints(events) {
  return events.filter((e) => TASK_EVENTS.has(e.event_type));
}

/** Open the reset dialog for the run `runId`; resolves with the new run's id, or null when dismissed. */
export function resetDialog(workflowId, runId, events) {
  const points = resetPoints(events);
  const point = h("select", { name: "reset_point" },
    h("option", { value: "FirstWorkflowTask" }, "First workflow task (everything runs again)"),
    h("option", { value: "LastWorkflowTask" }, "Last workflow task"),
    points.map((e) => h("option", { value: String(e.event_id) }, `Event ${e.event_id} · ${e.event_type} at ${fmtClock(e.event_time)}`)));
  const reason = h("input", { name: "reason", required: true, placeholder: "Why (recorded in both runs' histories)" });
  const reapply = h("select", { name: "reapply_type" },
    h("option", { value: "All" }, "Signals received after the point"),
    h("option", { value: "None" }, "Nothing"));
  return openDialog({
    title: `Reset ${workflowId}?`,
    intro: "A new run starts from the history before the chosen workflow task and decides it again: activities " +
      "completed after that point run again. The run, if it is still running, is terminated.",
    fields: [
      field("Reset to", point),
      field("Reason", reason),
      field("Re-apply", reapply, "What the run received after the point that the new run gets again."),
    ],
    confirmLabel: "Reset",
    danger: true,
    submit: async () => {
      const byType = Number.isNaN(Number(point.value));
      const answer = await api.reset(workflowId, {
        run_id: runId,
        ...(byType ? { type: point.value } : { event_id: Number(point.value) }),
        reason: reason.value.trim(),
        reapply_type: reapply.value,
      });
      return answer.run_id;
    },
  });
}
