// The list of schedules: state, spec, next and recent actions; filtered by state and searched
// by id prefix (a Temporal list filter the API reads); pages, auto refresh.
import { api, ApiError } from "./api.js";
import { h, replace } from "./dom.js";
import { fmtAgo, fmtDateTime, isoTitle } from "./format.js";
import { executionHref } from "./list.js";
import { CALENDAR_FIELDS, specSummary } from "./specs.js";

const REFRESH_MS = 5000;
const PAGE_SIZE = 50;

export function scheduleHref(scheduleId) {
  return `#/schedules/${encodeURIComponent(scheduleId)}`;
}

/** "paused" or "active", as a badge (a paused schedule takes no action but a trigger's). */
export function scheduleBadge(paused) {
  return h("span", { class: `badge ${paused ? "badge-paused" : "badge-active"}` }, paused ? "paused" : "active");
}

/** The parts of a listed schedule (ScheduleListEntry) or a description (ScheduleDescription). */
export function scheduleParts(item) {
  const schedule = item.schedule ?? item; // a listing holds action, spec and state itself
  const info = item.info ?? {};
  return {
    id: item.schedule_id,
    action: schedule.action ?? {},
    spec: schedule.spec ?? null,
    state: schedule.state ?? {},
    policy: schedule.policy ?? {},
    info,
    recent: info.recent_actions ?? [],
    next: info.next_action_times ?? [],
    running: info.running_actions ?? [],
  };
}

/** A link to a run a schedule started ({workflow_id, run_id}). */
export function runLink(run) {
  return h("a", { href: executionHref(run.workflow_id, run.run_id), class: "mono" }, run.workflow_id);
}

const STATES = [["", "all"], ["active", "active"], ["paused", "paused"]];

/** A string literal of the list filter language: quotes and backslashes escaped. */
function literal(value) {
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

export function mountSchedules(root, params) {
  const state = {
    paused: params.get("state") ?? "",
    scheduleId: params.get("schedule_id") ?? "",
    tokens: [null],
    page: 0,
    timer: null,
    controller: null,
    stopped: false,
  };
  const chips = h("div", { class: "chips", role: "group", "aria-label": "Filter by state" });
  const idInput = h("input", { type: "search", placeholder: "Schedule ID or prefix", value: state.scheduleId, "aria-label": "Search by schedule ID" });
  const body = h("tbody");
  const summary = h("span", { class: "muted" });
  const prev = h("button", { type: "button", class: "btn btn-small", onclick: () => page(-1) }, "← Previous");
  const next = h("button", { type: "button", class: "btn btn-small", onclick: () => page(+1) }, "Next →");
  const columns = ["State", "Schedule ID", "Workflow", "Spec", "Next action", "Recent actions"];

  replace(root,
    h("div", { class: "page-head" }, h("h1", {}, "Schedules")),
    h("div", { class: "filters" }, chips, h("div", { class: "searches" }, idInput)),
    h("div", { class: "card" },
      h("table", { class: "table schedules" },
        h("thead", {}, h("tr", {}, columns.map((c) => h("th", {}, c)))),
        body)),
    h("div", { class: "pager" }, summary, h("span", { class: "pager-buttons" }, prev, next)),
    h("p", { class: "hint muted" }, "Create schedules with the client (create_schedule) or the CLI (durable schedule create)."));

  function renderChips() {
    replace(chips, STATES.map(([value, label]) =>
      h("button", {
        type: "button",
        class: `chip${state.paused === value ? " chip-on" : ""}`,
        "aria-pressed": String(state.paused === value),
        onclick: () => {
          state.paused = value;
          resetPaging();
        },
      }, label)));
  }

  function query() {
    const parts = [];
    if (state.paused) parts.push(`TemporalSchedulePaused = ${state.paused === "paused"}`);
    if (state.scheduleId) parts.push(`ScheduleId STARTS_WITH ${literal(state.scheduleId)}`);
    return parts.join(" AND ");
  }

  function resetPaging() {
    state.tokens = [null];
    state.page = 0;
    const q = new URLSearchParams();
    if (state.paused) q.set("state", state.paused);
    if (state.scheduleId) q.set("schedule_id", state.scheduleId);
    const hash = `#/schedules${q.size ? `?${q}` : ""}`;
    if (location.hash !== hash) history.replaceState(null, "", hash);
    renderChips();
    load();
  }

  let debounce = null;
  idInput.addEventListener("input", () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      state.scheduleId = idInput.value.trim();
      resetPaging();
    }, 250);
  });

  function page(delta) {
    state.page = Math.max(0, state.page + delta);
    load();
  }

  async function load() {
    clearTimeout(state.timer);
    state.controller?.abort();
    const controller = (state.controller = new AbortController());
    try {
      const data = await api.schedules({ page_size: PAGE_SIZE, next_page_token: state.tokens[state.page], query: query() }, controller.signal);
      if (state.stopped) return;
      state.tokens[state.page + 1] = data.next_page_token ?? null;
      const schedules = data.schedules ?? [];
      renderRows(schedules);
      prev.disabled = state.page === 0;
      next.disabled = !data.next_page_token;
      summary.textContent = schedules.length ? `Page ${state.page + 1} · ${schedules.length} schedule${schedules.length === 1 ? "" : "s"}` : "";
    } catch (err) {
      if (err.name === "AbortError" || state.stopped) return;
      replace(body, h("tr", {}, h("td", { colspan: columns.length, class: "empty error-text" },
        err instanceof ApiError ? err.describe() : String(err))));
    }
    if (!state.stopped && state.page === 0) state.timer = setTimeout(load, REFRESH_MS);
  }

  function renderRows(schedules) {
    if (!schedules.length) {
      const filtered = state.paused || state.scheduleId;
      replace(body, h("tr", {}, h("td", { colspan: columns.length, class: "empty" },
        filtered ? "No schedule matches these filters." : "No schedules yet.")));
      return;
    }
    replace(body, schedules.map((item) => {
      const p = scheduleParts(item);
      const next = p.next[0];
      const last = p.recent.at(-1);
      return h("tr", { dataset: { scheduleId: p.id } },
        h("td", {}, scheduleBadge(p.state.paused)),
        h("td", { class: "nowrap" }, h("a", { href: scheduleHref(p.id), class: "mono" }, p.id)),
        h("td", {}, p.action.workflow_type ?? "—"),
        h("td", { class: "spec", title: p.spec?.calendars?.length ? CALENDAR_FIELDS : null }, specSummary(p.spec)),
        h("td", { title: p.next.slice(0, 5).map(isoTitle).join("\n") },
          p.state.paused ? h("span", { class: "muted" }, "paused") : next ? fmtDateTime(next) : "—"),
        h("td", {}, last
          ? [h("span", { title: isoTitle(last.started_at) }, fmtAgo(last.started_at)), " · ", runLink(last),
            p.recent.length > 1 ? h("span", { class: "muted" }, ` and ${p.recent.length - 1} before`) : null]
          : h("span", { class: "muted" }, "none yet")));
    }));
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
