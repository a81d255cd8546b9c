// A schedule's spec and policies in a line a person reads ("every 1 h", "cron 0 9 * * 1-5").
// Pure functions of the API's JSON: no DOM here, so Node can run them in the tests too.
import { fmtDuration } from "./format.js";

export const OVERLAP_POLICIES = ["SKIP", "BUFFER_ONE", "BUFFER_ALL", "CANCEL_OTHER", "TERMINATE_OTHER", "ALLOW_ALL"];

/** An overlap policy's name, whether the API sends the name or temporalio's number (1 = SKIP). */
export function overlapName(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return OVERLAP_POLICIES[value - 1] ?? String(value);
  return String(value).replace(/^SCHEDULE_OVERLAP_POLICY_/, "");
}

/** Seconds from a number of seconds, a "90s" / "1.5s" protobuf duration, or {seconds}. */
export function seconds(value) {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "number") return value;
  if (typeof value === "string") {
    const n = Number.parseFloat(value);
    return Number.isNaN(n) ? null : n;
  }
  if (typeof value === "object" && "seconds" in value) return Number(value.seconds) + Number(value.nanos ?? 0) / 1e9;
  return null;
}

/** An exact period: "1 d", "1 h 30 m", "90 ms" (a schedule's interval is exact, not rounded). */
export function fmtSeconds(value) {
  const total = seconds(value);
  if (total === null) return "—";
  if (total < 1) return fmtDuration(total * 1000);
  const parts = [];
  let rest = total;
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60]]) {
    const n = Math.floor(rest / size);
    if (n) parts.push(`${n} ${unit}`);
    rest -= n * size;
  }
  if (rest) parts.push(`${Number(rest.toFixed(3))} s`);
  return parts.join(" ");
}

// A calendar field's ranges as cron writes them: "*" for its full range, "1-5", "*/15", "0,30".
const FULL = { second: [0, 59], minute: [0, 59], hour: [0, 23], day_of_month: [1, 31], month: [1, 12], day_of_week: [0, 6] };
const CRON_ORDER = ["second", "minute", "hour", "day_of_month", "month", "day_of_week"];
/** What a calendar's six fields are, for a tooltip. */
export const CALENDAR_FIELDS = "calendar fields: second minute hour day-of-month month day-of-week (0 = Sunday)";

// The API's Range: end below start is start, step 0 is 1 (as temporalio's ScheduleRange).
function range(r) {
  const start = r.start ?? 0;
  return { start, end: Math.max(r.end ?? 0, start), step: r.step || 1 };
}

function fieldText(name, ranges) {
  const list = (ranges ?? []).map(range);
  if (!list.length) return name === "year" ? "*" : "-";
  const [lo, hi] = FULL[name] ?? [null, null];
  return list.map(({ start, end, step }) => {
    const stepText = step > 1 ? `/${step}` : "";
    if (start === lo && end >= hi) return `*${stepText}`;
    if (end <= start) return String(start);
    return `${start}-${end}${stepText}`;
  }).join(",");
}

/** One calendar as a six-field cron line (second first), its year and comment after. */
export function calendarText(calendar) {
  const fields = CRON_ORDER.map((name) => fieldText(name, calendar[name]));
  const year = calendar.year?.length ? ` year ${fieldText("year", calendar.year)}` : "";
  const comment = calendar.comment ? ` (${calendar.comment})` : "";
  return `${fields.join(" ")}${year}${comment}`;
}

/** Every part of a spec, one short phrase each. */
export function specParts(spec) {
  if (!spec) return [];
  const parts = [];
  for (const cron of spec.cron_expressions ?? []) parts.push(`cron ${cron}`);
  for (const iv of spec.intervals ?? []) {
    const offset = seconds(iv.offset);
    parts.push(`every ${fmtSeconds(iv.every)}${offset ? ` + ${fmtSeconds(offset)}` : ""}`);
  }
  // (describe shows cron expressions as calendars, as Temporal's server does: then no cron is left)
  for (const cal of spec.calendars ?? []) parts.push(`calendar ${calendarText(cal)}`);
  for (const cal of spec.skip ?? []) parts.push(`skip ${calendarText(cal)}`);
  return parts;
}

/** The spec in one line, with its time zone. */
export function specSummary(spec) {
  const parts = specParts(spec);
  if (!parts.length) return "no times (trigger or backfill only)";
  const zone = spec.time_zone_name ? ` (${spec.time_zone_name})` : "";
  return parts.join("; ") + zone;
}
