// The web UI's router: #/workflows (the list, its filters in the query) and
// #/workflows/<workflow id>?run_id=<run id> (one execution). Views stop polling when left.
import { mountExecution } from "./execution.js";
import { mountList } from "./list.js";

const view = document.getElementById("view");
let current = null;

function route() {
  const hash = location.hash.replace(/^#/, "") || "/workflows";
  const [path, query = ""] = hash.split("?", 2);
  const params = new URLSearchParams(query);
  current?.unmount();
  window.scrollTo(0, 0);
  const match = path.match(/^\/workflows\/(.+)$/);
  if (match) {
    current = mountExecution(view, decodeURIComponent(match[1]), params);
  } else {
    document.title = "Workflows · durable";
    current = mountList(view, params, navigate);
  }
}

function navigate(hash) {
  location.hash = hash;
}

window.addEventListener("hashchange", route);
route();
