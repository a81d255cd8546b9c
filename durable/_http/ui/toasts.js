import { h } from "./dom.js";
import { ApiError } from "./api.js";

/** A message in the corner: errors stay until dismissed, confirmations leave by themselves. */
export function toast(message, { kind = "info" } = {}) {
  const box = document.getElementById("toasts");
  const item = h("div", { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status" },
    h("span", { class: "toast-text" }, message),
    h("button", { type: "button", class: "toast-close", "aria-label": "Dismiss", onclick: () => item.remove() }, "×"));
  box.append(item);
  if (kind !== "error") setTimeout(() => item.remove(), 4000);
  return item;
}

export function toastError(err, doing) {
  const text = err instanceof ApiError ? err.describe() : String(err?.message ?? err);
  return toast(doing ? `${doing} failed: ${text}` : text, { kind: "error" });
}
