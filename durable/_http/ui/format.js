// Times, durations and payloads, as a person reads them.

/** Milliseconds since the epoch from an RFC 3339 string or epoch seconds; null if absent. */
export function toMs(value) {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "number") return value > 1e12 ? value : value * 1000;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
});
const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

export function fmtDateTime(value) {
  const ms = toMs(value);
  return ms === null ? "—" : dateTime.format(ms);
}

export function fmtClock(value) {
  const ms = toMs(value);
  if (ms === null) return "—";
  return `${clock.format(ms)}.${String(Math.floor(ms % 1000)).padStart(3, "0")}`;
}

export function isoTitle(value) {
  const ms = toMs(value);
  return ms === null ? "" : new Date(ms).toISOString();
}

/** 850 ms, 4.2 s, 3 m 05 s, 2 h 10 m, 3 d 4 h */
export function fmtDuration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "—";
  const neg = ms < 0 ? "-" : "";
  ms = Math.abs(ms);
  if (ms < 1000) return `${neg}${Math.round(ms)} ms`;
  const sec = ms / 1000;
  if (sec < 10) return `${neg}${sec.toFixed(1)} s`;
  if (sec < 60) return `${neg}${Math.round(sec)} s`;
  const min = Math.floor(sec / 60);
  if (min < 60) return `${neg}${min} m ${String(Math.floor(sec % 60)).padStart(2, "0")} s`;
  const hours = Math.floor(min / 60);
  if (hours < 48) return `${neg}${hours} h ${String(min % 60).padStart(2, "0")} m`;
  return `${neg}${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function fmtAgo(value, now = Date.now()) {
  const ms = toMs(value);
  return ms === null ? "—" : `${fmtDuration(now - ms)} ago`;
}

/** Pretty JSON; payloads the engine kept as JSON text are shown as the values they encode. */
export function fmtJson(value) {
  return JSON.stringify(decodePayloads(value), null, 2);
}

export function decodePayloads(value) {
  if (typeof value === "string") {
    const t = value.trim();
    if ((t.startsWith("{") && t.endsWith("}")) || (t.startsWith("[") && t.endsWith("]"))) {
      try {
        return JSON.parse(t);
      } catch {
        return value;
      }
    }
    return value;
  }
  if (Array.isArray(value)) return value.map(decodePayloads);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodePayloads(v)]));
  }
  return value;
}

/** One short line of an event's attributes for the raw table. */
export function summarize(attributes, max = 140) {
  const text = JSON.stringify(decodePayloads(attributes ?? {}));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export const STATUSES = ["RUNNING", "COMPLETED", "FAILED", "CANCELED", "TERMINATED", "CONTINUED_AS_NEW", "TIMED_OUT"];

export function statusLabel(status) {
  return (status ?? "UNKNOWN").toLowerCase().replaceAll("_", " ");
}
