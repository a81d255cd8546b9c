// The web UI's router: #/workflows (the list, its filters in the query),
// #/workflows/<workflow id>?run_id=<run id> (one execution), #/schedules (the schedules) and
// #/schedules/<schedule id> (one schedule), #/batch (the batch jobs). Views stop polling when left.
import { mountBatchJobs } from "./batch.js";
import { codecEndpoint, setCodecEndpoint } from "./codec.js";
import { field, openDialog } from "./dialogs.js";
import { h } from "./dom.js";
import { mountExecution } from "./execution.js";
import { mountList } from "./list.js";
import { mountSchedule } from "./schedule.js";
import { mountSchedules } from "./schedules.js";

const view = document.getElementById("view");
let current = null;

function route() {
  const hash = location.hash.replace(/^#/, "") || "/workflows";
  const [path, query = ""] = hash.split("?", 2);
  const params = new URLSearchParams(query);
  current?.unmount();
  window.scrollTo(0, 0);
  const section = path.startsWith("/schedules") ? "schedules" : path.startsWith("/batch") ? "batch" : "workflows";
  for (const link of document.querySelectorAll(".topbar nav a")) {
    if (link.dataset.section === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const execution = path.match(/^\/workflows\/(.+)$/);
  const schedule = path.match(/^\/schedules\/(.+)$/);
  if (execution) {
    current = mountExecution(view, decodeURIComponent(execution[1]), params);
  } else if (schedule) {
    current = mountSchedule(view, decodeURIComponent(schedule[1]), navigate);
  } else if (section === "batch") {
    document.title = "Batch jobs · durable";
    current = mountBatchJobs(view);
  } else if (section === "schedules") {
    document.title = "Schedules · durable";
    current = mountSchedules(view, params);
  } else {
    document.title = "Workflows · durable";
    current = mountList(view, params, navigate);
  }
}

function navigate(hash) {
  location.hash = hash;
}

const codecButton = document.getElementById("codec-setting");

function showCodecSetting() {
  const endpoint = codecEndpoint();
  codecButton.textContent = endpoint ? "Codec: on" : "Codec";
  codecButton.title = endpoint
    ? `Payloads are decoded through ${endpoint}`
    : "Encoded payloads are shown as stored; set a codec server to decode them";
}

async function editCodecSetting() {
  const input = h("input", { name: "codec_endpoint", type: "url", value: codecEndpoint(), placeholder: "http://127.0.0.1:8081" });
  const saved = await openDialog({
    title: "Codec endpoint",
    intro: "A codec server (`durable codec-server`) that this browser asks to decode encoded payloads (POST /decode). "
      + "Kept in this browser only; empty: payloads are shown as stored.",
    fields: [field("Endpoint URL", input)],
    confirmLabel: "Save",
    submit: async () => setCodecEndpoint(input.value) || "none",
  });
  if (saved) {
    showCodecSetting();
    route();
  }
}

codecButton.addEventListener("click", editCodecSetting);
showCodecSetting();
window.addEventListener("hashchange", route);
route();
