// Blocks the pages share: a JSON value, a failure with its causes, a labelled yes/no badge.
import { h } from "./dom.js";
import { fmtJson } from "./format.js";

export function jsonBlock(value) {
  return h("pre", { class: "json" }, fmtJson(value === undefined ? null : value));
}

/** A failure document (the API's shape) and its chain of causes, stack traces folded. */
export function failureBlock(failure) {
  const chain = [];
  for (let f = failure; f && chain.length < 10; f = f.cause) chain.push(f);
  return h("div", { class: "failure" }, chain.map((f, i) => h("div", { class: "failure-step" },
    h("p", {}, i ? h("span", { class: "muted" }, "caused by ") : null, h("strong", {}, f.message || "(no message)"),
      failureType(f) ? h("span", { class: "failure-type" }, failureType(f)) : null),
    f.stack_trace ? h("details", {}, h("summary", {}, "Stack trace"), h("pre", { class: "stack" }, f.stack_trace)) : null)));
}

function failureType(f) {
  return f.type ?? f.application?.type ?? null;
}

/** A JSON text box that must hold an array of arguments; [] when empty. */
export function parseArgs(text, what) {
  const t = text.trim();
  if (!t) return [];
  let value;
  try {
    value = JSON.parse(t);
  } catch (err) {
    throw new Error(`${what} is not valid JSON: ${err.message}`);
  }
  if (!Array.isArray(value)) throw new Error(`${what} must be a JSON array, one element per argument, e.g. [${t}]`);
  return value;
}

/** Ctrl+Enter (⌘+Enter) in a text box submits its form, as Enter does in a one-line field. */
export function submitOnCtrlEnter(textarea) {
  textarea.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      textarea.form?.requestSubmit();
    }
  });
  return textarea;
}
