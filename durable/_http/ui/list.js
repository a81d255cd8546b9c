// The list of executions: status chips, search by workflow id or type, pages, auto refresh;
// "archived" lists the archive of closed runs (kept after the retention period) instead.
import { api, ApiError } from "./api.js";
import { h, replace } from "./dom.js";
import { STATUSES, fmtDateTime, fmtDuration, isoTitle, statusLabel, toMs } from "./format.js";
import { openDialog, field, parseJson } from "./dialogs.js";
import { batchDialog } from "./batch.js";
import { toast } from "./toasts.js";

const REFRESH_MS = 5000;
const PAGE_SIZE = 50;

export function statusBadge(status) {
  return h("span", { class: `badge badge-${(status ?? "unknown").toLowerCase()}` }, statusLabel(status));
}

export function executionHref(workflowId, runId) {
  return `#/workflows/${encodeURIComponent(workflowId)}${runId ? `?run_id=${encodeURIComponent(runId)}` : ""}`;
}

/** Mount the list into `root`; `params` are the hash's query (status, workflow_id, workflow_type, and
 * query: a list filter, e.g. the build id filter an execution page links to). */
export function mountList(root, params, navigate) {
  const state = {
    status: params.get("status") ?? "",
    workflowId: params.get("workflow_id") ?? "",
    workflowType: params.get("workflow_type") ?? "",
    archived: params.get("archived") === "true",
    query: params.get("query") ?? "",
    tokens: [null], // next_page_token of each page visited, for "Previous"
    page: 0,
    timer: null,
    controller: null,
    stopped: false,
  };

  const chips = h("div", { class: "chips", role: "group", "aria-label": "Filter by status" });
  const idInput = h("input", { type: "search", placeholder: "Workflow ID or prefix", value: state.workflowId, "aria-label": "Search by workflow ID" });
  const typeInput = h("input", { type: "search", placeholder: "Workflow type", value: state.workflowType, "aria-label": "Filter by workflow type" });
  const body = h("tbody");
  const summary = h("span", { class: "muted" });
  const prev = h("button", { type: "button", class: "btn btn-small", onclick: () => page(-1) }, "← Previous");
  const next = h("button", { type: "button", class: "btn btn-small", onclick: () => page(+1) }, "Next →");
  const archivedChip = h("button", {
    type: "button",
    class: "chip",
    title: "Closed runs kept in the archive after the retention period",
    onclick: () => {
      state.archived = !state.archived;
      resetPaging();
    },
  }, "archived");
  const startButton = h("button", { type: "button", class: "btn btn-primary", onclick: startDialog }, "Start workflow");
  // Batch operations on what the filters select (shown only once a filter narrows the list).
  const filters = () => ({ status: state.status, workflowId: state.workflowId, workflowType: state.workflowType, query: state.query });
  // Archived runs are closed: there is nothing to cancel or terminate among them.
  const batchable = () => !state.archived && Boolean(state.status || state.workflowId || state.workflowType || state.query);
  const onBatch = async (operation) => {
    if (await batchDialog(operation, filters())) navigate("#/batch");
  };
  const cancelMatching = h("button", { type: "button", class: "btn", onclick: () => onBatch("cancel") }, "Cancel matching");
  const terminateMatching = h("button", { type: "button", class: "btn btn-danger-outline", onclick: () => onBatch("terminate") }, "Terminate matching");
  const batchButtons = h("span", { class: "batch-actions" }, cancelMatching, terminateMatching);
  batchButtons.hidden = !batchable();

  replace(root,
    h("div", { class: "page-head" }, h("h1", {}, "Workflow executions"), h("span", { class: "actions" }, batchButtons, startButton)),
    h("div", { class: "filters" }, chips, archivedChip, h("div", { class: "searches" }, idInput, typeInput)),
    h("div", { class: "card" },
      h("table", { class: "table executions" },
        h("thead", {}, h("tr", {},
          ["Status", "Workflow ID", "Type", "Run ID", "Task queue", "Started", "Closed", "Duration", "Events"].map((c) => h("th", {}, c)))),
        body)),
    h("div", { class: "pager" }, summary, h("span", { class: "pager-buttons" }, prev, next)));

  function renderChips() {
    replace(chips, ["", ...STATUSES].map((status) =>
      h("button", {
        type: "button",
        class: `chip${state.status === status ? " chip-on" : ""}`,
        "aria-pressed": String(state.status === status),
        onclick: () => {
          state.status = status;
          resetPaging();
        },
      }, status ? statusLabel(status) : "all"),
    ), state.query ? queryChip() : null);
    archivedChip.className = `chip${state.archived ? " chip-on" : ""}`;
    archivedChip.setAttribute("aria-pressed", String(state.archived));
  }

  /** The list filter the list was opened with, and a way to drop it. */
  function queryChip() {
    return h("span", { class: "chip chip-on chip-query", title: "List filter" },
      h("code", {}, state.query),
      h("button", {
        type: "button", class: "chip-clear", "aria-label": "Clear the list filter",
        onclick: () => {
          state.query = "";
          resetPaging();
        },
      }, "✕"));
  }

  function syncHash() {
    batchButtons.hidden = !batchable();
    const q = new URLSearchParams();
    if (state.status) q.set("status", state.status);
    if (state.workflowId) q.set("workflow_id", state.workflowId);
    if (state.workflowType) q.set("workflow_type", state.workflowType);
    if (state.archived) q.set("archived", "true");
    if (state.query) q.set("query", state.query);
    const hash = `#/workflows${q.size ? `?${q}` : ""}`;
    if (location.hash !== hash) history.replaceState(null, "", hash);
  }

  function resetPaging() {
    state.tokens = [null];
    state.page = 0;
    syncHash();
    renderChips();
    load();
  }

  function page(delta) {
    state.page = Math.max(0, state.page + delta);
    load();
  }

  let debounce = null;
  const onSearch = () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      state.workflowId = idInput.value.trim();
      state.workflowType = typeInput.value.trim();
      resetPaging();
    }, 250);
  };
  idInput.addEventListener("input", onSearch);
  typeInput.addEventListener("input", onSearch);

  async function load() {
    clearTimeout(state.timer);
    state.controller?.abort();
    const controller = (state.controller = new AbortController());
    try {
      const data = await api.list({
        status: state.status,
        workflow_id: state.workflowId,
        workflow_type: state.workflowType,
        query: state.query,
        page_size: PAGE_SIZE,
        next_page_token: state.tokens[state.page],
        archived: state.archived ? "true" : undefined,
      }, controller.signal);
      if (state.stopped) return;
      state.tokens[state.page + 1] = data.next_page_token ?? null;
      renderRows(data.executions ?? []);
      prev.disabled = state.page === 0;
      next.disabled = !data.next_page_token;
      const n = data.executions?.length ?? 0;
      summary.textContent = n ? `Page ${state.page + 1} · ${n} execution${n === 1 ? "" : "s"}` : "";
    } catch (err) {
      if (err.name === "AbortError" || state.stopped) return;
      replace(body, h("tr", {}, h("td", { colspan: 9, class: "empty error-text" },
        err instanceof ApiError ? err.describe() : String(err))));
    }
    if (!state.stopped && state.page === 0) state.timer = setTimeout(load, REFRESH_MS);
  }

  function renderRows(executions) {
    if (!executions.length) {
      const filtered = state.status || state.workflowId || state.workflowType;
      const none = state.archived
        ? "No archived execution matches these filters. Runs are archived as they close."
        : filtered ? "No execution matches these filters." : "No workflow executions yet. Start one with the button above, the CLI or the API.";
      replace(body, h("tr", {}, h("td", { colspan: 9, class: "empty" }, none)));
      return;
    }
    replace(body, executions.map((e) => {
      const closeMs = toMs(e.close_time);
      const duration = (closeMs ?? Date.now()) - toMs(e.start_time);
      return h("tr", { dataset: { workflowId: e.workflow_id } },
        h("td", {}, statusBadge(e.status)),
        h("td", {}, h("a", { href: executionHref(e.workflow_id, e.run_id), class: "mono" }, e.workflow_id)),
        h("td", {}, e.workflow_type),
        h("td", { class: "mono muted", title: e.run_id }, shortId(e.run_id)),
        h("td", {}, e.task_queue),
        h("td", { title: isoTitle(e.start_time) }, fmtDateTime(e.start_time)),
        h("td", { title: isoTitle(e.close_time) }, e.close_time ? fmtDateTime(e.close_time) : "—"),
        h("td", closeMs === null ? { class: "muted", title: "so far" } : {}, fmtDuration(duration)),
        // a run has at least its start event: 0 means the record does not count them yet
        h("td", { class: "num" }, e.history_length || "—"));
    }));
  }

  async function startDialog() {
    const type = h("input", { name: "workflow_type", required: true, placeholder: "OrderWorkflow" });
    const id = h("input", { name: "workflow_id", required: true, value: `wf-${Date.now().toString(36)}` });
    const queue = h("input", { name: "task_queue", required: true, placeholder: "orders" });
    const input = h("textarea", { name: "input", rows: 6, class: "mono", placeholder: '[{"order_id": "42"}]' });
    const started = await openDialog({
      title: "Start a workflow",
      fields: [
        field("Workflow type", type),
        field("Workflow ID", id),
        field("Task queue", queue),
        field("Arguments", input, "A JSON array, one element per argument of the run method; empty for none."),
      ],
      confirmLabel: "Start",
      submit: () => {
        const args = parseJson(input.value, "Arguments", []);
        if (!Array.isArray(args)) throw new Error("Arguments must be a JSON array, e.g. [{\"order_id\": \"42\"}]");
        return api.start({ workflow_type: type.value.trim(), workflow_id: id.value.trim(), task_queue: queue.value.trim(), input: args });
      },
    });
    if (started) {
      toast(`Started ${started.workflow_id}`);
      navigate(executionHref(started.workflow_id, started.run_id));
    }
  }

  renderChips();
  load();
  return {
    unmount() {
      state.stopped = true;
      clearTimeout(state.timer);
      clearTimeout(debounce);
      state.controller?.abort();
    },
  };
}

export function shortId(id) {
  return id && id.length > 13 ? `${id.slice(0, 8)}…` : id ?? "";
}
