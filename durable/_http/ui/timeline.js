// The history as a picture: one lane per activity, timer, child workflow and update on a shared time
// axis, signals as markers. `buildLanes` reads the events; `renderTimeline` draws the lanes.
import { s, h } from "./dom.js";
import { fmtDuration, toMs } from "./format.js";

const ACTIVITY_END = {
  ActivityTaskCompleted: "completed",
  ActivityTaskFailed: "failed",
  ActivityTaskTimedOut: "failed",
  ActivityTaskCanceled: "canceled",
};
const CHILD_END = {
  ChildWorkflowExecutionCompleted: "completed",
  ChildWorkflowExecutionFailed: "failed",
  ChildWorkflowExecutionTimedOut: "failed",
  ChildWorkflowExecutionTerminated: "failed",
  ChildWorkflowExecutionCanceled: "canceled",
  StartChildWorkflowExecutionFailed: "failed",
};
const WORKFLOW_END = {
  WorkflowExecutionCompleted: "completed",
  WorkflowExecutionFailed: "failed",
  WorkflowExecutionTimedOut: "failed",
  WorkflowExecutionCanceled: "canceled",
  WorkflowExecutionTerminated: "terminated",
  WorkflowExecutionContinuedAsNew: "continued",
};
// Engine bookkeeping that the lanes already show (or that says nothing at a glance).
const QUIET = new Set(["WorkflowTaskCompleted", "WorkflowTaskScheduled", "WorkflowTaskStarted", "ActivityTaskStarted"]);

/**
 * Lanes from a history: {start, end, running, lanes: [{kind, label, detail, segments, marks, eventIds}]}.
 * A segment is {from, to, state}; state is completed | failed | canceled | running | backoff | waiting.
 */
export function buildLanes(events, { now = Date.now(), closed = false } = {}) {
  const sorted = [...events].sort((a, b) => a.event_id - b.event_id);
  const t = (e) => toMs(e.event_time);
  const start = sorted.length ? t(sorted[0]) : now;
  const last = sorted.length ? t(sorted[sorted.length - 1]) : now;
  const end = closed ? last : Math.max(now, last);

  const workflow = { kind: "workflow", label: "Workflow", detail: "", segments: [], marks: [], eventIds: [] };
  const signals = { kind: "signals", label: "Signals", detail: "", segments: [], marks: [], eventIds: [] };
  const other = { kind: "other", label: "Other events", detail: "", segments: [], marks: [], eventIds: [] };
  const activities = new Map();
  const timers = new Map();
  const children = new Map();
  const updates = new Map();
  let workflowEnd = null;

  for (const e of sorted) {
    const at = t(e);
    const a = e.attributes ?? {};
    const type = e.event_type;
    if (type === "WorkflowExecutionStarted") {
      workflow.detail = a.workflow_type ?? "";
      workflow.eventIds.push(e.event_id);
    } else if (type in WORKFLOW_END) {
      workflowEnd = { at, state: WORKFLOW_END[type] };
      workflow.eventIds.push(e.event_id);
    } else if (type === "WorkflowTaskFailed") {
      workflow.marks.push({ at, state: "failed", shape: "tick", title: `Workflow task failed: ${a.failure?.message ?? ""}` });
      workflow.eventIds.push(e.event_id);
    } else if (type === "WorkflowExecutionCancelRequested") {
      workflow.marks.push({ at, state: "canceled", shape: "tick", title: `Cancellation requested ${a.reason ? `: ${a.reason}` : ""}` });
      workflow.eventIds.push(e.event_id);
    } else if (type === "WorkflowExecutionSignaled") {
      signals.marks.push({ at, state: "signal", shape: "diamond", label: a.signal_name, title: `Signal ${a.signal_name}` });
      signals.eventIds.push(e.event_id);
    } else if (type === "ActivityTaskScheduled") {
      activities.set(a.seq, {
        kind: "activity",
        label: a.activity_type ?? `activity ${a.seq}`,
        // The default activity id is the sequence number: only a chosen one says something.
        detail: a.activity_id && String(a.activity_id) !== String(a.seq) ? a.activity_id : "",
        segments: [],
        marks: [],
        eventIds: [e.event_id],
        attemptFrom: at,
        attempts: 1,
        open: true,
      });
    } else if (type === "ActivityTaskAttemptFailed" && activities.has(a.seq)) {
      const lane = activities.get(a.seq);
      const next = toMs(a.next_attempt_time) ?? at;
      lane.segments.push({ from: lane.attemptFrom, to: at, state: "failed", title: `Attempt ${a.attempt} failed: ${a.failure?.message ?? ""}` });
      lane.segments.push({ from: at, to: next, state: "backoff", title: `Retry back-off ${fmtDuration(next - at)}` });
      lane.attemptFrom = next;
      lane.attempts = (a.attempt ?? lane.attempts) + 1;
      lane.eventIds.push(e.event_id);
    } else if (type === "ActivityTaskCancelRequested" && activities.has(a.seq)) {
      const lane = activities.get(a.seq);
      lane.marks.push({ at, state: "canceled", shape: "tick", title: "Cancellation requested" });
      lane.eventIds.push(e.event_id);
    } else if (type in ACTIVITY_END && activities.has(a.seq)) {
      const lane = activities.get(a.seq);
      const state = ACTIVITY_END[type];
      lane.segments.push({ from: lane.attemptFrom, to: at, state, title: `${type}${a.attempt ? ` (attempt ${a.attempt})` : ""}` });
      lane.attempts = a.attempt ?? lane.attempts;
      lane.open = false;
      lane.eventIds.push(e.event_id);
    } else if (type === "TimerStarted") {
      const duration = Number(a.duration ?? a.start_to_fire_timeout ?? 0) * 1000;
      timers.set(a.seq ?? a.timer_id, {
        kind: "timer",
        label: `Timer ${a.seq ?? a.timer_id}`,
        detail: fmtDuration(duration),
        from: at,
        due: at + duration,
        segments: [],
        marks: [],
        eventIds: [e.event_id],
        open: true,
      });
    } else if ((type === "TimerFired" || type === "TimerCanceled") && timers.has(a.seq ?? a.timer_id)) {
      const lane = timers.get(a.seq ?? a.timer_id);
      const state = type === "TimerFired" ? "fired" : "canceled";
      lane.segments.push({ from: lane.from, to: at, state, title: `${type} after ${fmtDuration(at - lane.from)}` });
      lane.open = false;
      lane.eventIds.push(e.event_id);
    } else if (type === "WorkflowExecutionUpdateAccepted") {
      updates.set(a.update_id, {
        kind: "update",
        label: a.name ?? "update",
        detail: "update",
        from: at,
        segments: [],
        marks: [],
        eventIds: [e.event_id],
        open: true,
      });
    } else if (type === "WorkflowExecutionUpdateCompleted" && updates.has(a.update_id)) {
      const lane = updates.get(a.update_id);
      lane.segments.push({ from: lane.from, to: at, state: a.failure ? "failed" : "completed", title: a.failure ? `Update failed: ${a.failure.message ?? ""}` : "Update completed" });
      lane.open = false;
      lane.eventIds.push(e.event_id);
    } else if (type === "StartChildWorkflowExecutionInitiated") {
      const key = a.seq ?? a.workflow_id;
      children.set(key, {
        kind: "child",
        label: a.workflow_type ?? "child workflow",
        detail: a.workflow_id ?? "",
        from: at,
        segments: [],
        marks: [],
        eventIds: [e.event_id],
        open: true,
      });
    } else if (type.startsWith("ChildWorkflowExecution") || type === "StartChildWorkflowExecutionFailed") {
      const lane = children.get(a.seq ?? a.workflow_id);
      if (lane) {
        lane.eventIds.push(e.event_id);
        if (type in CHILD_END) {
          lane.segments.push({ from: lane.from, to: at, state: CHILD_END[type], title: type });
          lane.open = false;
        }
      } else {
        other.marks.push({ at, state: "other", shape: "dot", title: type });
        other.eventIds.push(e.event_id);
      }
    } else if (!QUIET.has(type)) {
      other.marks.push({ at, state: "other", shape: "dot", title: type });
      other.eventIds.push(e.event_id);
    }
  }

  workflow.segments.push({
    from: start,
    to: workflowEnd ? workflowEnd.at : end,
    state: workflowEnd ? workflowEnd.state : "running",
    title: workflowEnd ? `Closed: ${workflowEnd.state}` : "Running",
  });

  for (const lane of activities.values()) {
    if (lane.open) {
      const waiting = lane.attemptFrom > end; // a retry whose back-off has not ended yet
      if (!waiting) lane.segments.push({ from: lane.attemptFrom, to: end, state: closed ? "canceled" : "running", title: `Attempt ${lane.attempts} running` });
    }
    if (lane.attempts > 1) lane.detail = [lane.detail, `${lane.attempts} attempts`].filter(Boolean).join(" · ");
  }
  for (const lane of timers.values()) {
    if (lane.open) {
      lane.segments.push({ from: lane.from, to: end, state: closed ? "canceled" : "waiting", title: `Fires at ${new Date(lane.due).toISOString()}` });
      if (!closed) lane.pending = lane.due - end;
    }
  }
  for (const lane of [...children.values(), ...updates.values()]) {
    if (lane.open) lane.segments.push({ from: lane.from, to: end, state: closed ? "canceled" : "running", title: "Running" });
  }

  const lanes = [workflow];
  if (signals.marks.length) lanes.push(signals);
  const ordered = [...activities.values(), ...timers.values(), ...children.values(), ...updates.values()].sort(
    (x, y) => Math.min(...x.eventIds) - Math.min(...y.eventIds),
  );
  lanes.push(...ordered);
  if (other.marks.length) lanes.push(other);
  return { start, end, running: !closed && !workflowEnd, lanes };
}

const STEPS_S = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900,
  1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

function tickStep(spanMs, maxTicks) {
  for (const step of STEPS_S) if (spanMs / (step * 1000) <= maxTicks) return step * 1000;
  return Math.ceil(spanMs / maxTicks);
}

const LABEL_W = 230;
const ROW_H = 28;
const AXIS_H = 26;
const BAR_H = 12;

/** An SVG of the lanes, `width` pixels wide. onPick(eventIds) is called when a lane is clicked. */
export function renderTimeline(model, { width, onPick } = {}) {
  const plotLeft = LABEL_W;
  const plotRight = Math.max(width - 96, plotLeft + 200);
  const span = Math.max(model.end - model.start, 1);
  const x = (ms) => plotLeft + ((Math.min(Math.max(ms, model.start), model.end) - model.start) / span) * (plotRight - plotLeft);
  const height = AXIS_H + model.lanes.length * ROW_H + 8;

  const svg = s("svg", {
    class: "timeline",
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": `Timeline of ${model.lanes.length} lanes over ${fmtDuration(span)}`,
  });

  const step = tickStep(span, Math.max(2, Math.floor((plotRight - plotLeft) / 90)));
  const nowX = model.running ? x(model.end) : null;
  for (let offset = 0; offset <= span + 1e-6; offset += step) {
    const px = x(model.start + offset);
    svg.append(s("line", { class: "grid", x1: px, x2: px, y1: AXIS_H - 6, y2: height - 4 }));
    if (nowX === null || Math.abs(nowX - px) > 48) { // "now" takes the place of a tick it would cover
      svg.append(s("text", { class: "tick", x: px, y: AXIS_H - 10, "text-anchor": "middle" }, offset ? `+${fmtDuration(offset)}` : "0"));
    }
  }
  if (nowX !== null) {
    svg.append(
      s("line", { class: "now", x1: nowX, x2: nowX, y1: AXIS_H - 6, y2: height - 4 }),
      s("text", { class: "now-label", x: nowX, y: AXIS_H - 10, "text-anchor": "middle" }, "now"),
    );
  }

  model.lanes.forEach((lane, i) => {
    const top = AXIS_H + i * ROW_H;
    const mid = top + ROW_H / 2;
    const row = s("g", { class: `lane lane-${lane.kind}`, dataset: { kind: lane.kind } });
    if (i % 2 === 1) row.append(s("rect", { class: "stripe", x: 0, y: top, width, height: ROW_H }));
    row.append(
      s("text", { class: "lane-label", x: 8, y: mid + 1, "dominant-baseline": "middle" },
        s("tspan", { class: "lane-name" }, clip(lane.label, 24)),
        lane.detail ? s("tspan", { class: "lane-detail", dx: 6 }, clip(lane.detail, 30 - Math.min(lane.label.length, 24))) : null,
        s("title", {}, `${lane.label} ${lane.detail}`.trim())),
    );

    let rightmost = plotLeft;
    for (const seg of lane.segments) {
      const x1 = x(seg.from);
      const x2 = Math.max(x(seg.to), x1 + 3); // even a 2 ms activity stays visible
      rightmost = Math.max(rightmost, x2);
      if (seg.state === "backoff") {
        row.append(s("line", { class: "seg seg-backoff", x1, x2, y1: mid, y2: mid }, s("title", {}, seg.title)));
      } else {
        row.append(
          s("rect", { class: `seg seg-${seg.state}`, x: x1, y: mid - BAR_H / 2, width: x2 - x1, height: BAR_H, rx: 3 },
            s("title", {}, `${seg.title} · ${fmtDuration(seg.to - seg.from)}`)),
        );
      }
    }
    for (const mark of lane.marks) {
      const px = x(mark.at);
      rightmost = Math.max(rightmost, px + 6);
      const shape = mark.shape === "diamond"
        ? s("path", { class: `mark mark-${mark.state}`, d: `M${px} ${mid - 7} L${px + 7} ${mid} L${px} ${mid + 7} L${px - 7} ${mid} Z` })
        : mark.shape === "tick"
          ? s("rect", { class: `mark mark-${mark.state}`, x: px - 1.5, y: mid - 9, width: 3, height: 18, rx: 1 })
          : s("circle", { class: `mark mark-${mark.state}`, cx: px, cy: mid, r: 4.5 });
      shape.append(s("title", {}, mark.title));
      row.append(shape);
      if (mark.label) row.append(s("text", { class: "mark-label", x: px + 10, y: mid + 1, "dominant-baseline": "middle" }, clip(mark.label, 22)));
    }

    const spanned = lane.segments.filter((seg) => seg.state !== "backoff");
    if (lane.kind !== "signals" && lane.kind !== "other" && spanned.length) {
      const first = Math.min(...lane.segments.map((seg) => seg.from));
      const lastTo = Math.max(...lane.segments.map((seg) => seg.to));
      let text = fmtDuration(lastTo - first);
      if (lane.pending !== undefined) text = `${text} · fires in ${fmtDuration(lane.pending)}`;
      // Beside the bar when there is room, else inside its right end.
      const room = width - (rightmost + 6);
      const inside = room < text.length * 6.5 + 4;
      row.append(s("text", { class: `lane-duration${inside ? " inside" : ""}`, x: inside ? rightmost - 6 : rightmost + 6, y: mid + 1,
        "dominant-baseline": "middle", "text-anchor": inside ? "end" : "start" }, text));
    }
    if (onPick) {
      row.addEventListener("click", () => onPick(lane.eventIds));
      row.setAttribute("tabindex", "0");
      row.addEventListener("keydown", (ev) => ev.key === "Enter" && onPick(lane.eventIds));
    }
    svg.append(row);
  });
  return svg;
}

function clip(text, n) {
  text = String(text ?? "");
  return text.length > n ? `${text.slice(0, Math.max(n - 1, 1))}…` : text;
}

export function legend() {
  const item = (cls, text) => h("span", { class: "legend-item" }, h("span", { class: `swatch ${cls}` }), text);
  return h("div", { class: "legend" },
    item("seg-completed", "completed"),
    item("seg-running", "running"),
    item("seg-failed", "failed attempt / failed"),
    item("seg-backoff-swatch", "retry back-off"),
    item("seg-fired", "timer"),
    item("seg-waiting", "timer waiting"),
    item("seg-canceled", "canceled"),
    item("mark-signal", "signal"));
}
