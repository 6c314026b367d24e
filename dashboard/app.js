// The dashboard: a hash router over views. Each navigation aborts the previous view's requests,
// so a slow answer for a page the user left never draws over the page they are on.
import { initApi } from "./api.js";
import { h } from "./ui/dom.js";
import { announce, clearError, showError } from "./ui/status.js";
import { accountView } from "./views/account.js";
import { imageView } from "./views/image.js";
import { overviewView } from "./views/overview.js";
import { repositoryView } from "./views/repository.js";
import { vulnerabilityView } from "./views/vulnerability.js";

const ROUTES = [
  [/^$/, [], overviewView],
  [/^accounts\/([^/]+)$/, ["account"], accountView],
  [/^accounts\/([^/]+)\/repositories\/([^/]+)$/, ["account", "repository"], repositoryView],
  [/^images\/([^/]+)$/, ["imageKey"], imageView],
  [/^vulnerabilities\/([^/]+)$/, ["id"], vulnerabilityView],
];

const main = document.getElementById("main");
let current;
let firstRender = true;

async function render() {
  // In-page anchors ("#main" from the skip link) are not routes: keep the current view.
  if (location.hash && !location.hash.startsWith("#/")) return;
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const path = location.hash.slice(2).replace(/\/$/, "");
  const match = ROUTES.map(([re, names, view]) => [re.exec(path), names, view]).find(([m]) => m);
  clearError();
  main.replaceChildren();
  main.setAttribute("aria-busy", "true");
  announce("Loading…");
  try {
    if (!match) {
      crumbs([{ label: "Not found" }]);
      main.append(
        h("h1", { tabindex: "-1" }, "Page not found"),
        h("p", {}, h("a", { href: "#/" }, "Go to the overview")),
      );
      document.title = "Not found · Portcullis";
      return;
    }
    const [m, names, view] = match;
    const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(m[i + 1])]));
    const title = await view({ main, params, signal: controller.signal, crumbs });
    if (controller.signal.aborted) return;
    document.title = `${title} · Portcullis`;
    announce(`${title} loaded.`);
  } catch (err) {
    if (!controller.signal.aborted) showError(err);
  } finally {
    if (!controller.signal.aborted) {
      main.setAttribute("aria-busy", "false");
      // Move focus to the new page's heading (not on first load: the user has not navigated yet).
      if (!firstRender) main.querySelector("h1")?.focus();
      firstRender = false;
    }
  }
}

function crumbs(items) {
  const list = document.getElementById("breadcrumbs");
  const all = [{ label: "Overview", href: "#/" }, ...items];
  list.replaceChildren(
    ...all.map((item, i) =>
      h(
        "li",
        {},
        i === all.length - 1
          ? h("span", { "aria-current": "page" }, item.label)
          : h("a", { href: item.href ?? "#/" }, item.label),
      ),
    ),
  );
}

// The skip link moves focus without touching the hash, which the router owns.
document.querySelector(".skip-link")?.addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});

try {
  await initApi();
  window.addEventListener("hashchange", render);
  await render();
} catch (err) {
  main.replaceChildren(h("h1", { tabindex: "-1" }, "The dashboard could not start"));
  showError(err);
}
