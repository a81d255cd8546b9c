// The HTTP API, as the UI calls it. URLs are resolved against this module's own address, so
// the UI works wherever it is mounted (the dev server's root, an API Gateway stage's path).
const BASE = new URL("../api/v1/", import.meta.url);

/** A 4xx/5xx answer ({"error": {code, message, field}}) or no answer at all (status 0). */
export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field ?? null;
  }

  /** One line for a person: what went wrong, and which field if the server named one. */
  describe() {
    const where = this.field ? ` (field: ${this.field})` : "";
    const status = this.status ? `${this.status} ` : "";
    return `${status}${this.code}: ${this.message}${where}`;
  }
}

async function request(method, path, { query, body, signal } = {}) {
  const url = new URL(path, BASE);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const init = { method, signal, headers: { accept: "application/json" } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "unreachable", `the server did not answer (${err.message})`, null);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null; // an error page that is not JSON: its text goes into the message below
  }
  if (!response.ok) {
    const error = data?.error ?? {};
    throw new ApiError(
      response.status,
      error.code ?? `http_${response.status}`,
      error.message ?? (text.slice(0, 200) || response.statusText),
      error.field,
    );
  }
  return data;
}

const wf = (id) => `workflows/${encodeURIComponent(id)}`;
const sch = (id) => `schedules/${encodeURIComponent(id)}`;

export const api = {
  list: (query, signal) => request("GET", "workflows", { query, signal }),
  describe: (id, runId, signal) => request("GET", wf(id), { query: { run_id: runId }, signal }),
  history: (id, runId, signal) => request("GET", `${wf(id)}/history`, { query: { run_id: runId }, signal }),
  start: (body) => request("POST", "workflows", { body }),
  signal: (id, name, input, runId) =>
    request("POST", `${wf(id)}/signals/${encodeURIComponent(name)}`, { body: { input, run_id: runId ?? null } }),
  cancel: (id, reason, runId) => request("POST", `${wf(id)}/cancel`, { body: { reason, run_id: runId ?? null } }),
  terminate: (id, reason, runId) => request("POST", `${wf(id)}/terminate`, { body: { reason, run_id: runId ?? null } }),
  pauseActivity: (id, activityId, body, runId) =>
    request("POST", `${wf(id)}/activities/${encodeURIComponent(activityId)}/pause`, { body: { ...body, run_id: runId ?? null } }),
  unpauseActivity: (id, activityId, body, runId) =>
    request("POST", `${wf(id)}/activities/${encodeURIComponent(activityId)}/unpause`, { body: { ...body, run_id: runId ?? null } }),
  /** Reset a run; `body`: run_id, event_id or type, reason, reapply_type. Answers {run_id} of the new run. */
  reset: (id, body) => request("POST", `${wf(id)}/reset`, { body }),
  query: (id, name, args, runId) =>
    request("POST", `${wf(id)}/queries/${encodeURIComponent(name)}`, { body: { args, run_id: runId ?? null } }),
  /** Start an update and wait up to `waitSeconds` for `stage` (ACCEPTED or COMPLETED). */
  update: (id, name, args, runId, stage, waitSeconds) =>
    request("POST", `${wf(id)}/updates/${encodeURIComponent(name)}`, {
      body: { args, run_id: runId ?? null, wait_for_stage: stage, wait_seconds: waitSeconds ?? null },
    }),
  /** An update's outcome, waiting up to `waitSeconds` for it (long poll). */
  updateOutcome: (id, updateId, runId, waitSeconds, signal) =>
    request("GET", `${wf(id)}/updates/${encodeURIComponent(updateId)}`, {
      query: { run_id: runId, wait_seconds: waitSeconds }, signal,
    }),

  schedules: (query, signal) => request("GET", "schedules", { query, signal }),
  describeSchedule: (id, signal) => request("GET", sch(id), { signal }),
  pauseSchedule: (id, note) => request("POST", `${sch(id)}/pause`, { body: { note: note ?? null } }),
  unpauseSchedule: (id, note) => request("POST", `${sch(id)}/unpause`, { body: { note: note ?? null } }),
  triggerSchedule: (id, overlap) => request("POST", `${sch(id)}/trigger`, { body: { overlap: overlap ?? null } }),
  deleteSchedule: (id) => request("DELETE", sch(id)),

  count: (query, signal) => request("GET", "workflow-counts", { query, signal }),
  batchJobs: (signal) => request("GET", "batch-operations", { signal }),
  startBatch: (body) => request("POST", "batch-operations", { body }),
  stopBatch: (id) => request("POST", `batch-operations/${encodeURIComponent(id)}/stop`, { body: {} }),
};
