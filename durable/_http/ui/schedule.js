// One schedule: what it starts, when, its policies and state, its next, running and recent
// actions; pause or unpause with a note, trigger now, delete. Refreshes every 5 s.
import { api, ApiError } from "./api.js";
import { codecEndpoint, decodeDocument } from "./codec.js";
import { h, replace } from "./dom.js";
import { fmtAgo, fmtDateTime, isoTitle } from "./format.js";
import { field, openDialog } from "./dialogs.js";
import { jsonBlock } from "./blocks.js";
import { runLink, scheduleBadge, scheduleParts } from "./schedules.js";
import { CALENDAR_FIELDS, OVERLAP_POLICIES, fmtSeconds, overlapName, seconds, specParts } from "./specs.js";
import { toast } from "./toasts.js";

const POLL_MS = 5000;

export function mountSchedule(root, scheduleId, navigate) {
  const state = { description: null, timer: null, controller: null, stopped: false };

  const badge = h("span", { class: "wf-status" });
  const pauseBtn = h("button", { type: "button", class: "btn", onclick: pauseDialog }, "Pause");
  const triggerBtn = h("button", { type: "button", class: "btn", onclick: triggerDialog }, "Trigger now");
  const deleteBtn = h("button", { type: "button", class: "btn btn-danger-outline", onclick: deleteDialog }, "Delete");
  const banner = h("div", { class: "banner", hidden: true, role: "alert" });
  const facts = h("dl", { class: "facts" });
  const when = h("section", { class: "card" });
  const actions = h("section", { class: "card" });
  const started = h("section", { class: "card" });
  const crumbs = () => h("p", { class: "crumbs" }, h("a", { href: "#/schedules" }, "← All schedules"));

  replace(root,
    crumbs(),
    h("div", { class: "page-head" },
      h("div", { class: "wf-heading" }, h("h1", { class: "mono wf-title" }, scheduleId), badge),
      h("div", { class: "actions" }, pauseBtn, triggerBtn, deleteBtn)),
    banner,
    h("section", { class: "card" }, facts),
    when,
    actions,
    started);

  async function load() {
    clearTimeout(state.timer);
    state.controller?.abort();
    const controller = (state.controller = new AbortController());
    try {
      let description = await api.describeSchedule(scheduleId, controller.signal);
      let codecError = null;
      const endpoint = codecEndpoint();
      if (endpoint) {
        try {
          description = await decodeDocument(description, endpoint);
        } catch (err) {
          codecError = err; // the action's arguments are shown as stored, and the banner says why
        }
      }
      if (state.stopped) return;
      banner.hidden = !codecError;
      if (codecError) banner.textContent = `Payloads are shown as stored: ${codecError.message}`;
      state.description = description;
      render();
    } catch (err) {
      if (err.name === "AbortError" || state.stopped) return;
      if (err instanceof ApiError && err.status === 404) {
        replace(root, crumbs(), h("div", { class: "card empty" }, h("h2", {}, "No such schedule"), h("p", {}, err.message)));
        state.stopped = true;
        return;
      }
      banner.textContent = `Refreshing failed, trying again: ${err instanceof ApiError ? err.describe() : err.message}`;
      banner.hidden = false;
    }
    if (!state.stopped) state.timer = setTimeout(load, POLL_MS);
  }

  function render() {
    const p = scheduleParts(state.description);
    document.title = `${scheduleId} · schedule · durable`;
    replace(badge, scheduleBadge(p.state.paused));
    pauseBtn.textContent = p.state.paused ? "Unpause" : "Pause";
    renderFacts(p);
    renderWhen(p);
    renderActions(p);
    renderStarted(p);
  }

  function renderFacts(p) {
    const item = (label, value, attrs = {}) => [h("dt", {}, label), h("dd", attrs, value)];
    const info = p.info;
    const overlap = overlapName(p.policy.overlap);
    replace(facts,
      item("Workflow type", p.action.workflow_type ?? "—"),
      item("Workflow ID", p.action.workflow_id ?? "—", { class: "mono", title: "each run's id is this id and its scheduled time" }),
      item("Task queue", p.action.task_queue ?? "—"),
      item("State", p.state.paused ? "paused" : "active"),
      item("Note", p.state.note || "—"),
      item("Overlap policy", overlap ? overlap.toLowerCase().replaceAll("_", " ") : "—"),
      item("Catch-up window", p.policy.catchup_window ? fmtSeconds(p.policy.catchup_window) : "1 year (default)"),
      item("Pause on failure", p.policy.pause_on_failure ? "yes" : "no"),
      p.state.limited_actions ? item("Actions left", String(p.state.remaining_actions ?? 0)) : null,
      item("Actions taken", String(info.num_actions ?? 0)),
      item("Skipped (overlap)", String(info.num_actions_skipped_overlap ?? 0)),
      item("Missed (catch-up)", String(info.num_actions_missed_catchup_window ?? 0)),
      item("Created", fmtDateTime(info.created_at), { title: isoTitle(info.created_at) }),
      item("Updated", info.last_updated_at ? fmtDateTime(info.last_updated_at) : "—", { title: isoTitle(info.last_updated_at) }),
      Object.keys(state.description.memo ?? {}).length ? item("Memo", h("code", {}, JSON.stringify(state.description.memo))) : null);
  }

  function renderWhen(p) {
    const spec = p.spec ?? {};
    const parts = specParts(spec);
    const bounds = [
      spec.start_at ? `from ${fmtDateTime(spec.start_at)}` : null,
      spec.end_at ? `until ${fmtDateTime(spec.end_at)}` : null,
      seconds(spec.jitter) ? `jitter up to ${fmtSeconds(spec.jitter)}` : null,
      spec.time_zone_name ? `time zone ${spec.time_zone_name}` : "times in UTC",
    ].filter(Boolean);
    replace(when,
      h("div", { class: "io-grid" },
        h("div", { class: "io" },
          h("h3", {}, "When"),
          parts.length ? h("ul", { class: "plain spec-parts" }, parts.map((t) => h("li", { class: "mono", title: t.startsWith("cron") ? null : CALENDAR_FIELDS }, t)))
            : h("p", { class: "muted" }, "No times: it acts only when triggered or backfilled."),
          h("p", { class: "muted" }, bounds.join(" · "))),
        h("div", { class: "io" },
          h("h3", {}, "Next actions"),
          p.state.paused ? h("p", { class: "muted" }, "None while paused.") : null,
          !p.state.paused && p.next.length
            ? h("ol", { class: "plain next-times" }, p.next.map((t) => h("li", { title: isoTitle(t) }, fmtDateTime(t), h("span", { class: "muted" }, ` · in ${fmtIn(t)}`))))
            : null,
          !p.state.paused && !p.next.length ? h("p", { class: "muted" }, "None due.") : null)));
  }

  function renderActions(p) {
    const args = p.action.input ?? [];
    replace(actions, h("h2", {}, "Starts"), h("p", { class: "muted" },
      `${p.action.workflow_type ?? "—"} on ${p.action.task_queue ?? "—"} with these arguments:`), jsonBlock(args));
  }

  function renderStarted(p) {
    const running = p.running;
    const recent = [...p.recent].reverse(); // newest first
    replace(started,
      h("h2", {}, `Running workflows (${running.length})`),
      running.length ? h("ul", { class: "plain running" }, running.map((r) => h("li", {}, runLink(r))))
        : h("p", { class: "muted" }, "None running."),
      h("h2", { class: "spaced" }, "Recent actions"),
      recent.length
        ? h("table", { class: "table recent-actions" },
          h("thead", {}, h("tr", {}, ["Scheduled for", "Started", "Workflow"].map((c) => h("th", {}, c)))),
          h("tbody", {}, recent.map((a) => h("tr", {},
            h("td", { title: isoTitle(a.scheduled_at) }, fmtDateTime(a.scheduled_at)),
            h("td", { title: isoTitle(a.started_at) }, fmtAgo(a.started_at)),
            h("td", {}, runLink(a))))))
        : h("p", { class: "muted" }, "No action taken yet."));
  }

  async function pauseDialog() {
    const paused = !!scheduleParts(state.description ?? {}).state.paused;
    const note = h("input", { name: "note", placeholder: paused ? "Why it resumes" : "Why it stops" });
    const ok = await openDialog({
      title: paused ? `Unpause ${scheduleId}?` : `Pause ${scheduleId}?`,
      intro: paused
        ? "The schedule takes its actions again from the next time due (missed times are not made up)."
        : "The schedule takes no action until unpaused; a trigger still starts a run.",
      fields: [field("Note", note, "Shown on the schedule; empty for the default note.")],
      confirmLabel: paused ? "Unpause" : "Pause",
      submit: async () => {
        await (paused ? api.unpauseSchedule : api.pauseSchedule)(scheduleId, note.value.trim() || null);
        return true;
      },
    });
    if (ok) {
      toast(paused ? `Unpaused ${scheduleId}` : `Paused ${scheduleId}`);
      load();
    }
  }

  async function triggerDialog() {
    const current = overlapName(scheduleParts(state.description ?? {}).policy.overlap);
    const overlap = h("select", { name: "overlap" },
      h("option", { value: "" }, `the schedule's (${current ? current.toLowerCase().replaceAll("_", " ") : "skip"})`),
      OVERLAP_POLICIES.map((name) => h("option", { value: name }, name.toLowerCase().replaceAll("_", " "))));
    const ok = await openDialog({
      title: `Trigger ${scheduleId} now?`,
      intro: "The schedule starts its workflow now, as if a time were due, even while paused.",
      fields: [field("Overlap policy", overlap, "What happens if a workflow it started still runs.")],
      confirmLabel: "Trigger",
      submit: async () => {
        await api.triggerSchedule(scheduleId, overlap.value || null);
        return true;
      },
    });
    if (ok) {
      toast(`Triggered ${scheduleId}`);
      load();
    }
  }

  async function deleteDialog() {
    const ok = await openDialog({
      title: `Delete ${scheduleId}?`,
      intro: "The schedule takes no more actions and is gone. The workflows it started keep running.",
      fields: [],
      confirmLabel: "Delete",
      danger: true,
      submit: async () => {
        await api.deleteSchedule(scheduleId);
        return true;
      },
    });
    if (ok) {
      toast(`Deleted ${scheduleId}`);
      state.stopped = true;
      navigate("#/schedules");
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

function fmtIn(value) {
  const text = fmtAgo(value);
  return text.startsWith("-") ? text.slice(1).replace(/ ago$/, "") : "now";
}
