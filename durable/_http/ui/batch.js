// Batch jobs: "Terminate matching" / "Cancel matching" on a filtered list (a confirmation that
// shows how many runs the filter matches), and #/batch, the jobs with their progress.
import { api, ApiError } from "./api.js";
import { h, replace } from "./dom.js";
import { fmtDateTime, isoTitle } from "./format.js";
import { field, openDialog } from "./dialogs.js";
import { toast, toastError } from "./toasts.js";

const REFRESH_MS = 2000;

function literal(value) {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  throw new Error("a filter value cannot hold both kinds of quotes");
}

/** The list's filters as one list filter, as the API's list route joins them. */
export function filterQuery({ status, workflowId, workflowType, query }) {
  const parts = [];
  if (query) parts.push(`(${query})`);
  if (status) parts.push(`ExecutionStatus = '${status}'`);
  if (workflowType) parts.push(`WorkflowType = ${literal(workflowType)}`);
  if (workflowId) parts.push(`WorkflowId STARTS_WITH ${literal(workflowId)}`);
  return parts.join(" AND ");
}

/** Ask, showing how many runs match now, then start the batch job; resolves with it (or null). */
export async function batchDialog(operation, filters) {
  const query = filterQuery(filters);
  let count;
  try {
    count = (await api.count({ query })).count;
  } catch (err) {
    toastError(err, "Counting the matching executions");
    return null;
  }
  const runs = `${count} execution${count === 1 ? "" : "s"}`;
  const cancel = operation === "cancel";
  const reason = h("input", { name: "reason", placeholder: "optional" });
  const started = await openDialog({
    title: cancel ? `Cancel ${runs}?` : `Terminate ${runs}?`,
    intro: `${runs} match ${query} now. `
      + (cancel
        ? "Each receives a cancellation request; its code can clean up before it ends as canceled."
        : "Each ends as terminated: its code does not run again, no clean-up, no compensation.")
      + " A batch job does it at most 50 a second; runs started from now on are left alone.",
    fields: [field("Reason", reason)],
    confirmLabel: cancel ? `Cancel ${runs}` : `Terminate ${runs}`,
    danger: !cancel,
    submit: () => api.startBatch({ operation, query, reason: reason.value.trim() }),
  });
  if (started) toast(`Batch job ${started.job_id} started`);
  return started;
}

/** Mount #/batch: every batch job, its progress, and Stop for the running ones. */
export function mountBatchJobs(root) {
  const state = { timer: null, controller: null, stopped: false };
  const body = h("tbody");
  replace(root,
    h("div", { class: "page-head" }, h("h1", {}, "Batch jobs")),
    h("div", { class: "card" },
      h("table", { class: "table batch-jobs" },
        h("thead", {}, h("tr", {},
          ["State", "Job ID", "Operation", "Query", "Progress", "Failed", "Started", ""].map((c) => h("th", {}, c)))),
        body)));

  async function load() {
    clearTimeout(state.timer);
    state.controller?.abort();
    const controller = (state.controller = new AbortController());
    try {
      const data = await api.batchJobs(controller.signal);
      if (state.stopped) return;
      render(data.jobs ?? []);
    } catch (err) {
      if (err.name === "AbortError" || state.stopped) return;
      replace(body, h("tr", {}, h("td", { colspan: 8, class: "empty error-text" },
        err instanceof ApiError ? err.describe() : String(err))));
    }
    if (!state.stopped) state.timer = setTimeout(load, REFRESH_MS);
  }

  function render(jobs) {
    if (!jobs.length) {
      replace(body, h("tr", {}, h("td", { colspan: 8, class: "empty" },
        "No batch jobs yet. Filter the workflow list, then use Terminate matching or Cancel matching.")));
      return;
    }
    replace(body, jobs.map((job) => {
      const total = job.total_operation_count;
      const done = job.complete_operation_count + job.failure_operation_count;
      const stop = h("button", {
        type: "button", class: "btn btn-small", hidden: job.state !== "Running", onclick: () => stopJob(job.job_id),
      }, "Stop");
      return h("tr", { dataset: { jobId: job.job_id } },
        h("td", {}, h("span", { class: `badge badge-${job.state.toLowerCase()}` }, job.state.toLowerCase())),
        h("td", { class: "mono" }, job.job_id),
        h("td", {}, job.operation_type),
        h("td", { class: "mono", title: job.reason ? `reason: ${job.reason}` : "" }, job.query),
        h("td", { class: "batch-progress" },
          h("progress", { max: Math.max(total, 1), value: Math.min(done, Math.max(total, 1)) }),
          ` ${job.complete_operation_count} / ${total}`),
        h("td", { class: "num", title: job.errors.join("\n") }, job.failure_operation_count),
        h("td", { title: isoTitle(job.start_time) }, fmtDateTime(job.start_time)),
        h("td", {}, stop));
    }));
  }

  async function stopJob(jobId) {
    try {
      await api.stopBatch(jobId);
      toast(`Stopping batch job ${jobId}`);
      load();
    } catch (err) {
      toastError(err, "Stopping the batch job");
    }
  }

  load();
  return {
    unmount() {
      state.stopped = true;
      clearTimeout(state.timer);
      state.controller?.abort();
    },
  };
}
