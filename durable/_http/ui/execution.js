// One execution: what it was given, what it returned, what it waits for, its timeline and
// history; signal, query, update, cancel, terminate and reset. Polls every 2 s while the run is open.
import { api, ApiError } from "./api.js";
import { codecEndpoint, decodeDocument } from "./codec.js";
import { h, replace } from "./dom.js";
import { fmtAgo, fmtClock, fmtDateTime, fmtDuration, fmtJson, isoTitle, summarize, toMs } from "./format.js";
import { failureBlock, jsonBlock } from "./blocks.js";
import { handlersCard } from "./handlers.js";
import { field, openDialog, parseJson } from "./dialogs.js";
import { buildLanes, legend, renderTimeline } from "./timeline.js";
import { executionHref, statusBadge } from "./list.js";
import { toast } from "./toasts.js";
import { pauseButton, pendingStateCell } from "./activity_pause.js";
import { resetDialog, resetPoints } from "./reset.js";

const POLL_MS = 2000;

export function mountExecution(root, workflowId, params) {
  const state = {
    runId: params.get("run_id") || null,
    detail: null,
    events: [],
    timer: null,
    controller: null,
    stopped: false,
    expanded: new Set(), // event ids whose attributes are shown in full
    picked: new Set(),
    lastKey: "",
  };

  const title = h("h1", { class: "mono wf-title" }, workflowId);
  const badge = h("span", { class: "wf-status" });
  const live = h("span", { class: "live muted" });
  const signalBtn = h("button", { type: "button", class: "btn", onclick: signalDialog }, "Signal");
  const cancelBtn = h("button", { type: "button", class: "btn", onclick: cancelDialog }, "Cancel");
  const terminateBtn = h("button", { type: "button", class: "btn btn-danger-outline", onclick: terminateDialog }, "Terminate");
  const resetBtn = h("button", { type: "button", class: "btn btn-danger-outline", onclick: reset }, "Reset");
  const facts = h("dl", { class: "facts" });
  const banner = h("div", { class: "banner", hidden: true, role: "alert" });
  const outcome = h("section", { class: "card" });
  const taskFailure = h("section", { class: "card card-warn", hidden: true });
  const pending = h("section", { class: "card", hidden: true });
  const timelineBox = h("div", { class: "timeline-box" });
  const eventsBody = h("tbody");
  const handlers = handlersCard(workflowId, { runId: () => state.runId, onChange: () => load() });

  replace(root,
    h("p", { class: "crumbs" }, h("a", { href: "#/workflows" }, "← All executions")),
    h("div", { class: "page-head" },
      h("div", { class: "wf-heading" }, title, badge, live),
      h("div", { class: "actions" }, signalBtn, cancelBtn, terminateBtn, resetBtn)),
    banner,
    h("section", { class: "card" }, facts),
    taskFailure,
    pending,
    h("section", { class: "card" },
      h("div", { class: "card-head" }, h("h2", {}, "Timeline"), legend()),
      timelineBox,
      h("p", { class: "hint muted" }, "Click a lane to highlight its events below; hover a bar for details.")),
    outcome,
    handlers.element,
    h("section", { class: "card" },
      h("h2", {}, "History"),
      h("table", { class: "table events" },
        h("thead", {}, h("tr", {}, ["ID", "Time", "+", "Type", "Attributes"].map((c) => h("th", {}, c)))),
        eventsBody)));

  async function load() {
    clearTimeout(state.timer);
    state.controller?.abort();
    const controller = (state.controller = new AbortController());
    try {
      let [detail, history] = await Promise.all([
        api.describe(workflowId, state.runId, controller.signal),
        api.history(workflowId, state.runId, controller.signal),
      ]);
      let codecError = null;
      const endpoint = codecEndpoint();
      if (endpoint) {
        try {
          [detail, history] = await decodeDocument([detail, history], endpoint);
        } catch (err) {
          codecError = err; // the payloads are shown as stored, and the banner says why
        }
      }
      if (state.stopped) return;
      banner.hidden = !codecError;
      if (codecError) banner.textContent = `Payloads are shown as stored: ${codecError.message}`;
      state.detail = detail;
      state.events = history.events ?? [];
      render();
    } catch (err) {
      if (err.name === "AbortError" || state.stopped) return;
      if (err instanceof ApiError && err.status === 404) {
        replace(root, h("p", { class: "crumbs" }, h("a", { href: "#/workflows" }, "← All executions")),
          h("div", { class: "card empty" }, h("h2", {}, "No such execution"), h("p", {}, err.message)));
        state.stopped = true;
        return;
      }
      banner.textContent = `Refreshing failed, trying again: ${err instanceof ApiError ? err.describe() : err.message}`;
      banner.hidden = false;
    }
    schedule();
  }

  function schedule() {
    clearTimeout(state.timer);
    const open = !state.detail || state.detail.status === "RUNNING";
    live.textContent = open ? "live · refreshing every 2 s" : "closed · not refreshing";
    live.classList.toggle("live-on", open);
    if (open && !state.stopped) state.timer = setTimeout(load, POLL_MS);
  }

  function render() {
    const d = state.detail;
    const running = d.status === "RUNNING";
    document.title = `${workflowId} · durable`;
    replace(badge, statusBadge(d.status));
    for (const btn of [signalBtn, cancelBtn, terminateBtn]) {
      btn.disabled = !running;
      btn.title = running ? "" : "The run is closed";
    }
    resetBtn.disabled = !resetPoints(state.events).length; // closed runs can be reset too
    resetBtn.title = resetBtn.disabled ? "No workflow task to reset to yet" : "Start a new run from a workflow task";
    renderFacts(d);
    renderOutcome(d);
    handlers.refresh(d, state.events);
    renderTaskFailure(d.task_failure);
    renderPending(d.pending_activities ?? []);
    renderTimelineNow();
    const key = `${state.events.length}:${state.events.at(-1)?.event_id}`;
    if (key !== state.lastKey) {
      state.lastKey = key;
      renderEvents();
    }
  }

  function renderFacts(d) {
    const start = toMs(d.start_time);
    const close = toMs(d.close_time);
    const item = (label, value, attrs = {}) => [h("dt", {}, label), h("dd", attrs, value)];
    const runLink = state.runId ? d.run_id : h("a", { href: executionHref(workflowId, d.run_id), title: "Link to this run" }, d.run_id);
    replace(facts,
      item("Workflow type", d.workflow_type),
      item("Run ID", runLink, { class: "mono" }),
      item("Task queue", d.task_queue),
      item("Started", fmtDateTime(d.start_time), { title: isoTitle(d.start_time) }),
      item("Closed", d.close_time ? fmtDateTime(d.close_time) : "—", { title: isoTitle(d.close_time) }),
      item("Duration", fmtDuration((close ?? Date.now()) - start) + (close ? "" : " so far")),
      item("History", `${d.history_length ?? state.events.length} events`),
      d.base_run_id ? item("Reset from", h("a", { href: executionHref(workflowId, d.base_run_id) }, d.base_run_id), { class: "mono" }) : null,
      d.reset_run_id ? item("Reset to", h("a", { href: executionHref(workflowId, d.reset_run_id) }, d.reset_run_id), { class: "mono" }) : null,
      ...buildItems(d.build_ids ?? [], item),
      Object.keys(d.memo ?? {}).length ? item("Memo", h("code", {}, JSON.stringify(d.memo))) : null,
      Object.keys(d.search_attributes ?? {}).length ? item("Search attributes", h("code", {}, JSON.stringify(d.search_attributes))) : null);
  }

  /** The build the run started on and, once another build ran it, the latest: each links to the
   * runs of that build (the BuildIds list filter). */
  function buildItems(buildIds, item) {
    const link = (id) => h("a", {
      href: `#/workflows?${new URLSearchParams({ query: `BuildIds = 'unversioned:${id}'` })}`,
      title: "Runs of this build",
    }, id);
    if (!buildIds.length) return [];
    const items = item("Build id", link(buildIds[0]), { class: "mono" });
    return buildIds.length > 1 ? [...items, ...item("Latest build id", link(buildIds.at(-1)), { class: "mono" })] : items;
  }

  function renderOutcome(d) {
    const input = h("div", { class: "io" }, h("h3", {}, "Input"), jsonBlock(d.input ?? []));
    let result;
    if (d.failure) result = h("div", { class: "io" }, h("h3", {}, "Failure"), failureBlock(d.failure));
    else if (d.status === "COMPLETED") result = h("div", { class: "io" }, h("h3", {}, "Result"), jsonBlock(d.result));
    else if (d.status === "RUNNING") result = h("div", { class: "io" }, h("h3", {}, "Result"), h("p", { class: "muted" }, "Not yet: the run is open."));
    else result = h("div", { class: "io" }, h("h3", {}, "Result"), h("p", { class: "muted" }, `None: the run is ${d.status.toLowerCase().replaceAll("_", " ")}.`));
    replace(outcome, h("div", { class: "io-grid" }, input, result));
  }

  function renderTaskFailure(failure) {
    taskFailure.hidden = !failure;
    if (failure) {
      replace(taskFailure,
        h("h2", {}, "Workflow task failing"),
        h("p", { class: "muted" }, "The workflow code raised or diverged from its history; the task is retried and the run stays open until the code is fixed."),
        failureBlock(failure));
    }
  }

  function renderPending(activities) {
    pending.hidden = !activities.length; // the timeline shows that nothing runs
    if (!activities.length) return;
    replace(pending, h("h2", {}, `Pending activities (${activities.length})`),
      h("table", { class: "table pending" },
        h("thead", {}, h("tr", {}, ["Activity", "ID", "State", "Attempt", "Scheduled", "Last heartbeat", "Heartbeat details", "Last failure", ""].map((c) => h("th", {}, c)))),
        h("tbody", {}, activities.map((a) => h("tr", {},
          h("td", {}, a.activity_type),
          h("td", { class: "mono" }, a.activity_id),
          pendingStateCell(a),
          h("td", { class: "num" }, a.attempt),
          h("td", { title: isoTitle(a.scheduled_time) }, fmtClock(a.scheduled_time)),
          h("td", { title: isoTitle(a.last_heartbeat_time) }, a.last_heartbeat_time ? fmtAgo(a.last_heartbeat_time) : "—"),
          h("td", { class: "mono" }, a.heartbeat_details?.length ? summarize(a.heartbeat_details, 60) : "—"),
          h("td", {}, a.last_failure ? a.last_failure.message : "—"),
          h("td", {}, state.detail?.status === "RUNNING" ? pauseButton(workflowId, a, state.runId, () => load()) : null))))));
  }

  function renderTimelineNow() {
    const model = buildLanes(state.events, { closed: state.detail.status !== "RUNNING" });
    const width = Math.max(timelineBox.clientWidth || 1100, 640);
    replace(timelineBox, state.events.length ? renderTimeline(model, { width, onPick: pick }) : h("p", { class: "muted" }, "No events yet."));
  }

  function pick(eventIds) {
    state.picked = new Set(eventIds);
    for (const row of eventsBody.rows) row.classList.toggle("picked", state.picked.has(Number(row.dataset.eventId)));
    eventsBody.querySelector("tr.picked")?.scrollIntoView({ behavior: "smooth", block: "center" });
  }

  function renderEvents() {
    const start = toMs(state.events[0]?.event_time);
    replace(eventsBody, state.events.map((e) => {
      const open = state.expanded.has(e.event_id);
      const summary = summarize(e.attributes);
      const toggle = h("button", { type: "button", class: "link", "aria-expanded": String(open), onclick: () => {
        if (state.expanded.has(e.event_id)) state.expanded.delete(e.event_id);
        else state.expanded.add(e.event_id);
        state.lastKey = "";
        renderEvents();
      } }, open ? "less" : "more");
      return h("tr", { dataset: { eventId: e.event_id }, class: `${state.picked.has(e.event_id) ? "picked " : ""}${eventClass(e.event_type)}` },
        h("td", { class: "num" }, e.event_id),
        h("td", { class: "nowrap", title: isoTitle(e.event_time) }, fmtClock(e.event_time)),
        h("td", { class: "nowrap muted" }, `+${fmtDuration(toMs(e.event_time) - start)}`),
        h("td", { class: "event-type" }, e.event_type),
        h("td", { class: "attrs" }, open ? h("pre", { class: "json" }, fmtJson(e.attributes ?? {})) : h("code", {}, summary),
          summary.endsWith("…") || open ? [" ", toggle] : null));
    }));
  }

  async function signalDialog() {
    const known = [...new Set(state.events.filter((e) => e.event_type === "WorkflowExecutionSignaled").map((e) => e.attributes?.signal_name))];
    const name = h("input", { name: "signal_name", required: true, list: "known-signals", autocomplete: "off" });
    const input = h("textarea", { name: "signal_input", rows: 5, class: "mono", placeholder: "{\"approved\": true}" });
    const ok = await openDialog({
      title: `Signal ${workflowId}`,
      fields: [
        field("Signal name", name),
        h("datalist", { id: "known-signals" }, known.map((n) => h("option", { value: n }))),
        field("Argument", input, "A JSON value passed to the handler; empty for a signal without arguments."),
      ],
      confirmLabel: "Send signal",
      submit: async () => {
        const value = parseJson(input.value, "Argument", undefined);
        await api.signal(workflowId, name.value.trim(), value === undefined ? [] : [value], state.runId);
        return name.value.trim();
      },
    });
    if (ok) {
      toast(`Signal ${ok} sent`);
      load();
    }
  }

  async function closeDialog(action) {
    const reason = h("input", { name: "reason", placeholder: "Why (recorded in the history)" });
    const cancel = action === "cancel";
    const ok = await openDialog({
      title: cancel ? `Cancel ${workflowId}?` : `Terminate ${workflowId}?`,
      intro: cancel
        ? "The workflow receives a cancellation request: its code can clean up before it ends as canceled."
        : "The run ends now as terminated. Its code does not run again: no clean-up, no compensation.",
      fields: [field("Reason", reason)],
      confirmLabel: cancel ? "Request cancellation" : "Terminate",
      danger: !cancel,
      submit: async () => {
        await (cancel ? api.cancel : api.terminate)(workflowId, reason.value.trim() || null, state.runId);
        return true;
      },
    });
    if (ok) {
      toast(cancel ? "Cancellation requested" : "Terminated");
      load();
    }
  }
  function cancelDialog() {
    return closeDialog("cancel");
  }
  function terminateDialog() {
    return closeDialog("terminate");
  }

  async function reset() {
    const newRunId = await resetDialog(workflowId, state.detail.run_id, state.events);
    if (newRunId) {
      toast(`Reset: new run ${newRunId}`);
      location.hash = executionHref(workflowId, newRunId);
    }
  }

  const onResize = () => state.detail && renderTimelineNow();
  window.addEventListener("resize", onResize);
  load();
  return {
    unmount() {
      state.stopped = true;
      clearTimeout(state.timer);
      state.controller?.abort();
      handlers.stop();
      window.removeEventListener("resize", onResize);
    },
  };
}

function eventClass(type) {
  if (/Failed|TimedOut|Terminated/.test(type)) return "ev-bad";
  if (/Completed|Fired/.test(type)) return "ev-good";
  if (/Signaled/.test(type)) return "ev-signal";
  return "";
}
