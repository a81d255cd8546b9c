// Pause and unpause a pending activity from the execution page (Temporal's activity pause):
// the state cell says since when, by whom and why it is paused; each activity has its button.
import { api } from "./api.js";
import { h } from "./dom.js";
import { field, openDialog } from "./dialogs.js";
import { fmtAgo, isoTitle } from "./format.js";
import { toast } from "./toasts.js";

/** The state cell of a pending activity: its state and, while paused, the pause. */
export function pendingStateCell(activity) {
  const state = String(activity.state ?? "").toLowerCase().replaceAll("_", " ");
  const pause = activity.pause;
  if (!pause) return h("td", {}, state);
  const who = pause.identity ? ` by ${pause.identity}` : "";
  return h("td", { class: "activity-paused" },
    h("span", { class: "badge badge-paused" }, state),
    pause.reason ? h("div", { class: "pause-reason" }, pause.reason) : null,
    h("div", { class: "muted", title: isoTitle(pause.pause_time) }, `paused ${fmtAgo(pause.pause_time)}${who}`));
}

/** The Pause (or Unpause) button of a pending activity; `onDone` reloads the page. */
export function pauseButton(workflowId, activity, runId, onDone) {
  const paused = Boolean(activity.pause);
  const open = paused ? unpauseDialog : pauseDialog;
  return h("button", {
    type: "button",
    class: "btn btn-small",
    "aria-label": `${paused ? "Unpause" : "Pause"} activity ${activity.activity_id}`,
    onclick: () => open(workflowId, activity, runId, onDone),
  }, paused ? "Unpause" : "Pause");
}

async function pauseDialog(workflowId, activity, runId, onDone) {
  const reason = h("input", { name: "reason", placeholder: "Why (shown with the pause)" });
  const ok = await openDialog({
    title: `Pause activity ${activity.activity_id}?`,
    intro: "No retry is scheduled until it is unpaused. A running attempt keeps running and learns at its "
      + "next heartbeat; if it completes, the activity completes.",
    fields: [field("Reason", reason)],
    confirmLabel: "Pause activity",
    submit: async () => {
      await api.pauseActivity(workflowId, activity.activity_id, { reason: reason.value.trim() || null }, runId);
      return true;
    },
  });
  if (ok) {
    toast(`Activity ${activity.activity_id} paused`);
    onDone();
  }
}

async function unpauseDialog(workflowId, activity, runId, onDone) {
  const resetAttempts = h("input", { type: "checkbox", name: "reset_attempts" });
  const resetHeartbeats = h("input", { type: "checkbox", name: "reset_heartbeats" });
  const ok = await openDialog({
    title: `Unpause activity ${activity.activity_id}?`,
    intro: "Its next attempt starts now.",
    fields: [
      h("label", { class: "check" }, resetAttempts, "Reset attempts",
        h("span", { class: "field-hint" }, " (the next attempt is attempt 1 again)")),
      h("label", { class: "check" }, resetHeartbeats, "Reset heartbeat details"),
    ],
    confirmLabel: "Unpause activity",
    submit: async () => {
      await api.unpauseActivity(workflowId, activity.activity_id, {
        reset_attempts: resetAttempts.checked,
        reset_heartbeats: resetHeartbeats.checked,
      }, runId);
      return true;
    },
  });
  if (ok) {
    toast(`Activity ${activity.activity_id} unpaused`);
    onDone();
  }
}
