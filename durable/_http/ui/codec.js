// Encoded payloads, as stored or decoded through a codec server (Temporal's codec endpoint).
//
// The API shows a payload a codec encoded as {"@payload": {metadata, data}}: the UI shows
// it so, unless the person set a codec endpoint (kept in this browser only). Then every
// envelope of a describe or history answer is sent, in one request, to the endpoint's
// POST /decode ({"payloads": [...]}, Temporal's protocol), and what comes back is shown: a
// json/plain payload as its value, any other as its envelope. A failure whose encoded
// attributes decode to its message and stack trace gets them back. The server never sees
// the key: the browser talks to the codec server directly (it must allow this origin).

const SETTING = "durable.codecEndpoint";
const ENVELOPE = "@payload";
const JSON_PLAIN = "anNvbi9wbGFpbg=="; // base64 of json/plain

/** The codec endpoint set in this browser ("" when none). */
export function codecEndpoint(storage = globalThis.localStorage) {
  return storage?.getItem(SETTING) ?? "";
}

/** Set (or, with "", clear) the codec endpoint of this browser. */
export function setCodecEndpoint(url, storage = globalThis.localStorage) {
  const value = (url ?? "").trim().replace(/\/+$/, "");
  if (value) storage.setItem(SETTING, value);
  else storage.removeItem(SETTING);
  return value;
}

/** A copy of `doc` with its encoded payloads decoded through `endpoint` (as it is without one). */
export async function decodeDocument(doc, endpoint, { fetchFn = globalThis.fetch, namespace = "default" } = {}) {
  if (!endpoint) return doc;
  const places = [];
  const copy = collect(doc, places);
  if (places.length === 0) return copy;
  let response;
  try {
    response = await fetchFn(`${endpoint.replace(/\/+$/, "")}/decode`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-namespace": namespace },
      body: JSON.stringify({ payloads: places.map(([container, key]) => container[key][ENVELOPE]) }),
    });
  } catch (err) {
    throw new Error(`the codec server at ${endpoint} could not be reached (${err.message}); is it running, and does it allow this page's origin?`);
  }
  if (!response.ok) throw new Error(`the codec server at ${endpoint} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  const { payloads } = await response.json();
  if (!Array.isArray(payloads) || payloads.length !== places.length) {
    throw new Error(`the codec server at ${endpoint} did not answer one payload for each of ${places.length}`);
  }
  places.forEach(([container, key], i) => { container[key] = shown(payloads[i]); });
  restoreFailures(copy);
  return copy;
}

export function isEnvelope(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    && Object.keys(value).length === 1 && typeof value[ENVELOPE] === "object" && value[ENVELOPE] !== null;
}

function collect(value, places) {
  if (Array.isArray(value)) {
    const items = value.map((v) => collect(v, places));
    items.forEach((v, i) => { if (isEnvelope(v)) places.push([items, i]); });
    return items;
  }
  if (value !== null && typeof value === "object") {
    const out = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, collect(v, places)]));
    for (const [k, v] of Object.entries(out)) if (isEnvelope(v)) places.push([out, k]);
    return out;
  }
  return value;
}

function shown(payload) {
  const metadata = payload?.metadata ?? {};
  const keys = Object.keys(metadata);
  if (keys.length === 1 && metadata.encoding === JSON_PLAIN) {
    try {
      const bytes = Uint8Array.from(atob(payload.data ?? ""), (c) => c.charCodeAt(0));
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      // not JSON after all: shown as the payload it is
    }
  }
  return { [ENVELOPE]: payload };
}

function restoreFailures(value) {
  if (Array.isArray(value)) {
    value.forEach(restoreFailures);
    return;
  }
  if (value === null || typeof value !== "object") return;
  const attributes = value.encoded_attributes;
  if (attributes && typeof attributes === "object" && ("message" in attributes || "stack_trace" in attributes)) {
    delete value.encoded_attributes;
    if ("message" in attributes) value.message = attributes.message;
    if ("stack_trace" in attributes) value.stack_trace = attributes.stack_trace;
  }
  Object.values(value).forEach(restoreFailures);
}
