// Modal forms on <dialog>: each resolves once the API accepted the action, and shows the
// API's error inside the dialog (it stays open so the person can fix the field).
import { h } from "./dom.js";
import { ApiError } from "./api.js";

/**
 * Open a dialog with `fields` (nodes) and a submit button; `submit()` returns a promise.
 * Resolves with submit's value, or null when dismissed.
 */
export function openDialog({ title, intro, fields, confirmLabel, danger = false, submit }) {
  return new Promise((resolve) => {
    const error = h("p", { class: "form-error", role: "alert", hidden: true });
    const confirm = h("button", { type: "submit", class: danger ? "btn btn-danger" : "btn btn-primary" }, confirmLabel);
    const cancel = h("button", { type: "button", class: "btn", onclick: () => close(null) }, "Cancel");
    const form = h("form", { method: "dialog", class: "dialog-form" },
      h("h2", {}, title),
      intro ? h("p", { class: "dialog-intro" }, intro) : null,
      fields,
      error,
      h("div", { class: "dialog-actions" }, cancel, confirm));
    const dialog = h("dialog", { class: "dialog", "aria-label": title }, form);
    let settled = false;
    const close = (value) => {
      if (settled) return;
      settled = true;
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    dialog.addEventListener("cancel", (ev) => {
      ev.preventDefault();
      close(null);
    });
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      confirm.disabled = true;
      try {
        close(await submit());
      } catch (err) {
        error.textContent = err instanceof ApiError ? err.describe() : err.message;
        error.hidden = false;
      } finally {
        confirm.disabled = false;
      }
    });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector("input, textarea, select")?.focus();
  });
}

export function field(label, control, hint) {
  return h("label", { class: "field" }, h("span", { class: "field-label" }, label), control, hint ? h("span", { class: "field-hint" }, hint) : null);
}

/** Parse a JSON text box; a message that names the box when it is not JSON. */
export function parseJson(text, what, fallback) {
  const t = text.trim();
  if (!t) return fallback;
  try {
    return JSON.parse(t);
  } catch (err) {
    throw new Error(`${what} is not valid JSON: ${err.message}`);
  }
}
