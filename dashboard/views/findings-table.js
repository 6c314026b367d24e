import { apiUrl } from "../api.js";
import { formatNumber, h } from "../ui/dom.js";
import { exportLinks } from "../ui/export-links.js";
import { SEVERITIES, SEVERITY_RANK, severityBadge, severityLabel } from "../ui/severity.js";
import { announce } from "../ui/status.js";
import { vulnerabilityRoute } from "./common.js";
import { epssCell, kevCell } from "./overview.js";

// Rows go into the DOM a chunk at a time: an image with thousands of findings stays responsive.
const CHUNK = 200;

const SORTS = {
  id: (f) => f.id,
  severity: (f) => SEVERITY_RANK[f.severity] ?? 0,
  score: (f) => f.score ?? -1,
  package: (f) => f.package.name,
  layer: (f) => f.layer.index ?? -1,
  epss: (f) => f.epss?.probability ?? -1,
};

/**
 * An image's findings, filtered (severity, fixable, KEV, CVE or package text) and sorted in the
 * browser: the API sends one image's findings whole, so changing a filter needs no request.
 * Exports ask the API for the same filters.
 */
export function findingsTable(imageKey, findings) {
  const state = {
    severities: new Set(SEVERITIES),
    fixable: false,
    kev: false,
    q: "",
    sort: "severity",
    dir: -1,
  };
  const tbody = h("tbody");
  const count = h("p", { class: "row-count", id: "findings-count" });
  const more = h("button", { type: "button", class: "load-more", hidden: true }, "Show more rows");
  let matching = [];
  let shown = 0;

  const filters = h(
    "form",
    {
      class: "filters",
      role: "search",
      "aria-label": "Filter findings",
      onsubmit: (e) => e.preventDefault(),
    },
    h(
      "fieldset",
      {},
      h("legend", {}, "Severity"),
      SEVERITIES.map((s) =>
        h(
          "label",
          { class: "check" },
          h("input", {
            type: "checkbox",
            name: "severity",
            value: s,
            checked: true,
            onchange: (e) => {
              e.target.checked ? state.severities.add(s) : state.severities.delete(s);
              update();
            },
          }),
          ` ${severityLabel(s)}`,
        ),
      ),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Only"),
      h(
        "label",
        { class: "check" },
        h("input", { type: "checkbox", name: "fixable", onchange: (e) => set("fixable", e.target.checked) }),
        " Fixable",
      ),
      h(
        "label",
        { class: "check" },
        h("input", { type: "checkbox", name: "kev", onchange: (e) => set("kev", e.target.checked) }),
        " Known exploited (KEV)",
      ),
    ),
    h(
      "p",
      { class: "search" },
      h("label", { for: "findings-q" }, "Search CVE or package"),
      h("input", {
        type: "search",
        id: "findings-q",
        name: "q",
        autocomplete: "off",
        "aria-describedby": "findings-count",
        oninput: debounce((e) => set("q", e.target.value.trim()), 150),
      }),
    ),
  );

  const header = (label, key) => {
    if (!key) return h("th", { scope: "col" }, label);
    const th = h("th", { scope: "col", "data-sort": key });
    th.append(h("button", { type: "button", class: "sort", onclick: () => sortBy(key) }, label));
    return th;
  };
  const thead = h(
    "thead",
    {},
    h(
      "tr",
      {},
      header("Vulnerability", "id"),
      header("Severity", "severity"),
      header("Score", "score"),
      header("Package", "package"),
      header("Installed", null),
      header("Fixed in", null),
      header("Layer", "layer"),
      header("KEV", null),
      header("EPSS", "epss"),
      header("Status", null),
    ),
  );
  const table = h("table", { class: "findings" }, h("caption", {}, "Findings"), thead, tbody);

  function set(key, value) {
    state[key] = value;
    update();
  }

  function sortBy(key) {
    state.dir = state.sort === key ? -state.dir : key === "id" || key === "package" ? 1 : -1;
    state.sort = key;
    update();
  }

  function update() {
    const q = state.q.toLowerCase();
    matching = findings.filter(
      (f) =>
        state.severities.has(f.severity) &&
        (!state.fixable || f.fixable) &&
        (!state.kev || f.kev) &&
        (!q ||
          f.id.toLowerCase().includes(q) ||
          f.aliases.some((a) => a.toLowerCase().includes(q)) ||
          f.package.name.toLowerCase().includes(q)),
    );
    const key = SORTS[state.sort];
    matching.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      return (ka < kb ? -1 : ka > kb ? 1 : a.id < b.id ? -1 : 1) * state.dir;
    });
    for (const th of thead.querySelectorAll("th[data-sort]")) {
      if (th.dataset.sort === state.sort)
        th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    }
    tbody.replaceChildren();
    shown = 0;
    showMore();
  }

  function showMore() {
    const fragment = document.createDocumentFragment();
    for (const f of matching.slice(shown, shown + CHUNK)) fragment.append(row(f));
    shown = Math.min(matching.length, shown + CHUNK);
    if (!matching.length)
      fragment.append(h("tr", {}, h("td", { colspan: 10 }, "No finding matches these filters.")));
    tbody.append(fragment);
    more.hidden = shown >= matching.length;
    const text = `${formatNumber(matching.length)} of ${formatNumber(findings.length)} findings match${
      shown < matching.length ? `; showing the first ${formatNumber(shown)}` : ""
    }.`;
    count.textContent = text;
    announce(text);
  }
  more.addEventListener("click", showMore);

  const exportUrl = (format) =>
    apiUrl(`/images/${encodeURIComponent(imageKey)}`, {
      format,
      severity: state.severities.size < SEVERITIES.length ? [...state.severities].join(",") : undefined,
      fixable: state.fixable,
      kev: state.kev,
      q: state.q,
    });

  update();
  return h(
    "div",
    {},
    filters,
    exportLinks(exportUrl, "findings"),
    count,
    h("div", { class: "table-wrap" }, table),
    h("p", { class: "pager" }, more),
  );
}

function row(f) {
  const layer = f.layer ?? {};
  return h(
    "tr",
    { "data-severity": f.severity },
    h(
      "th",
      { scope: "row" },
      h("a", { href: vulnerabilityRoute(f.id) }, f.id),
      f.aliases.length ? h("span", { class: "aliases" }, f.aliases.join(", ")) : "",
    ),
    h("td", {}, severityBadge(f.severity)),
    h("td", { class: "num" }, f.score ?? ""),
    h("td", {}, f.package.name, h("span", { class: "muted eco" }, f.package.ecosystem)),
    h("td", {}, h("code", {}, f.package.version)),
    h(
      "td",
      {},
      f.fixedVersions.length ? f.fixedVersions.join(", ") : h("span", { class: "muted" }, "no fix"),
    ),
    h(
      "td",
      { class: "layer", title: `${layer.diffId ?? ""}${layer.createdBy ? `\n${layer.createdBy}` : ""}` },
      layer.index !== undefined ? `#${layer.index} ` : "",
      h("span", { class: "created-by" }, layer.createdBy ?? (layer.diffId ?? "").slice(0, 19)),
    ),
    h("td", {}, kevCell(f.kev)),
    h("td", { class: "num" }, epssCell(f.epss)),
    h("td", {}, f.status),
  );
}

function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
