// An execution's query and update forms: a handler's name (the names the page knows offered),
// its arguments as JSON, and the answer (or the API's error) shown under the form.
import { api, ApiError } from "./api.js";
import { h, replace } from "./dom.js";
import { fmtClock } from "./format.js";
import { field } from "./dialogs.js";
import { failureBlock, jsonBlock, parseArgs, submitOnCtrlEnter } from "./blocks.js";

const UPDATE_POLL_SECONDS = 20; // each long poll of an update's outcome; the API's bound
// Handler names learned from the API's 404s, which list them (per workflow type, for the session):
// describe does not list a workflow's handlers.
const learned = { queries: new Map(), updates: new Map() };
const NAME_LISTS = {
  query_not_found: ["queries", /known queries: \[([^\]]*)\]/],
  update_not_found: ["updates", /its updates: \[([^\]]*)\]/],
};

/**
 * The "Query and update" card of one execution. `onChange()` runs after an update, so the page
 * shows the events it added; `refresh(detail, events)` follows the page's polls.
 */
export function handlersCard(workflowId, { runId, onChange }) {
  const state = { detail: null, events: [], updateController: null, stopped: false };

  const queryName = h("input", { name: "query_name", required: true, list: "known-queries", autocomplete: "off", placeholder: "get_status" });
  const queryArgs = submitOnCtrlEnter(h("textarea", { name: "query_args", rows: 3, class: "mono", placeholder: "[]" }));
  const queryButton = h("button", { type: "submit", class: "btn btn-primary" }, "Run query");
  const queryList = h("datalist", { id: "known-queries" });
  const queryAnswer = h("div", { class: "handler-answer", "aria-live": "polite" });
  const queryForm = h("form", { class: "handler-form", "aria-label": "Query" },
    h("h3", {}, "Query"),
    field("Query name", queryName),
    queryList,
    field("Query arguments", queryArgs, "A JSON array, one element per argument; empty for none. Ctrl+Enter runs it."),
    h("div", { class: "handler-actions" }, queryButton),
    queryAnswer);

  const updateName = h("input", { name: "update_name", required: true, list: "known-updates", autocomplete: "off" });
  const updateArgs = submitOnCtrlEnter(h("textarea", { name: "update_args", rows: 3, class: "mono", placeholder: "[]" }));
  const waitBox = h("input", { type: "checkbox", name: "wait_for_completion", checked: true });
  const updateButton = h("button", { type: "submit", class: "btn btn-primary" }, "Run update");
  const updateList = h("datalist", { id: "known-updates" });
  const updateAnswer = h("div", { class: "handler-answer", "aria-live": "polite" });
  const updateForm = h("form", { class: "handler-form", "aria-label": "Update" },
    h("h3", {}, "Update"),
    field("Update name", updateName),
    updateList,
    field("Update arguments", updateArgs, "A JSON array, one element per argument; empty for none. The run records the update in its history."),
    h("label", { class: "check" }, waitBox, "Wait for completion",
      h("span", { class: "field-hint" }, " (otherwise the answer comes once the workflow accepted it)")),
    h("div", { class: "handler-actions" }, updateButton),
    updateAnswer);

  const card = h("section", { class: "card handlers", "aria-labelledby": "handlers-title" },
    h("h2", { id: "handlers-title" }, "Query and update"),
    h("div", { class: "handlers-grid" }, queryForm, updateForm));

  queryForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const name = queryName.value.trim();
    queryButton.disabled = true;
    try {
      const args = parseArgs(queryArgs.value, "Query arguments");
      const answer = await api.query(workflowId, name, args, runId());
      show(queryAnswer, `${name} answered at ${fmtClock(Date.now())}`, jsonBlock(answer.result));
    } catch (err) {
      learnNames(err);
      showError(queryAnswer, err);
    } finally {
      queryButton.disabled = false;
    }
  });

  updateForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const name = updateName.value.trim();
    const complete = waitBox.checked;
    updating(async (signal) => {
      const args = parseArgs(updateArgs.value, "Update arguments");
      replace(updateAnswer, h("p", { class: "muted" }, complete ? `Running ${name}…` : `Sending ${name}…`));
      const outcome = await api.update(workflowId, name, args, runId(), complete ? "COMPLETED" : "ACCEPTED", null);
      onChange();
      if (complete) await follow(name, outcome, signal);
      else await present(name, outcome, signal);
    });
  });

  /** Run one update step (send, or follow): one at a time, its error shown in the form. */
  async function updating(step) {
    state.updateController?.abort();
    const controller = (state.updateController = new AbortController());
    updateButton.disabled = true;
    try {
      await step(controller.signal);
    } catch (err) {
      if (err.name === "AbortError" || state.stopped) return;
      learnNames(err);
      showError(updateAnswer, err);
    } finally {
      updateButton.disabled = !running();
    }
  }

  /** Wait for the outcome: the API bounds each wait, so ask again until it is there (or the page is left). */
  async function follow(name, outcome, signal) {
    while (outcome.stage !== "COMPLETED" && !signal.aborted) {
      showUpdate(name, outcome, { waiting: true });
      outcome = await api.updateOutcome(workflowId, outcome.update_id, outcome.run_id, UPDATE_POLL_SECONDS, signal);
    }
    await present(name, outcome, signal);
    onChange();
  }

  /** Show where an update stands; a failure says whether the validator rejected it (the run
   * then recorded no WorkflowExecutionUpdateAccepted) or its handler failed. */
  async function present(name, outcome, signal) {
    let rejected = false;
    if (outcome.outcome?.failure) {
      const history = await api.history(workflowId, outcome.run_id, signal);
      rejected = !(history.events ?? []).some((e) =>
        e.event_type === "WorkflowExecutionUpdateAccepted" && e.attributes?.update_id === outcome.update_id);
    }
    showUpdate(name, outcome, { rejected });
  }

  function showUpdate(name, outcome, { waiting = false, rejected = false } = {}) {
    const facts = h("p", { class: "muted handler-facts" },
      `stage ${outcome.stage.toLowerCase()} · update id `, h("code", {}, outcome.update_id));
    if (outcome.outcome?.failure) {
      const what = rejected ? "was rejected by its validator" : "failed";
      show(updateAnswer, `${name} ${what} at ${fmtClock(Date.now())}`, facts, failureBlock(outcome.outcome.failure));
    } else if (outcome.outcome) {
      show(updateAnswer, `${name} returned at ${fmtClock(Date.now())}`, facts, jsonBlock(outcome.outcome.result));
    } else if (waiting) {
      show(updateAnswer, `${name}: waiting for the outcome…`, facts);
    } else {
      const wait = h("button", { type: "button", class: "btn btn-small", onclick: () => updating((signal) => follow(name, outcome, signal)) },
        "Wait for the outcome");
      show(updateAnswer, `${name}: ${outcome.stage.toLowerCase()}`, facts, h("div", { class: "handler-actions" }, wait));
    }
  }

  function learnNames(err) {
    // "known queries: [a b]", "its updates: [a, b]": offer them in the name fields.
    const [kind, pattern] = (err instanceof ApiError && NAME_LISTS[err.code]) || [];
    const match = pattern?.exec(err.message);
    const type = state.detail?.workflow_type;
    if (!match || !type) return;
    learned[kind].set(type, match[1].split(/[\s,]+/).filter((n) => n && !n.startsWith("__")));
    refreshLists(state.events);
  }

  function running() {
    return state.detail?.status === "RUNNING";
  }

  function refreshLists(events) {
    const type = state.detail?.workflow_type;
    replace(queryList, (learned.queries.get(type) ?? []).map((n) => h("option", { value: n })));
    // the updates the run took, and those a 404 named
    const accepted = events.filter((e) => e.event_type === "WorkflowExecutionUpdateAccepted").map((e) => e.attributes?.name);
    const updates = new Set([...(learned.updates.get(type) ?? []), ...accepted].filter(Boolean));
    replace(updateList, [...updates].sort().map((n) => h("option", { value: n })));
  }

  return {
    element: card,
    refresh(detail, events) {
      state.detail = detail;
      state.events = events;
      refreshLists(events);
      const open = running();
      updateButton.disabled = !open;
      updateButton.title = open ? "" : "The run is closed: only a running workflow takes updates";
    },
    stop() {
      state.stopped = true;
      state.updateController?.abort();
    },
  };
}

function show(box, heading, ...content) {
  replace(box, h("p", { class: "handler-heading" }, heading), ...content);
}

function showError(box, err) {
  replace(box, h("p", { class: "form-error", role: "alert" }, err instanceof ApiError ? err.describe() : err.message));
}
