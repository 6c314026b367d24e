import { apiUrl, getJson } from "../api.js";
import { formatNumber, h, route, shortDigest } from "../ui/dom.js";
import { exportLinks } from "../ui/export-links.js";
import { pagedTable } from "../ui/paged-table.js";
import { countsCell, severityBadge, severityCounters } from "../ui/severity.js";
import { showError } from "../ui/status.js";

export const PAGE_SIZE = 50;

/** A titled section; `id` names its heading so the landmark has a label. */
export function section(id, title, ...children) {
  return h("section", { "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

/** Counters for a scope, filled in when /api/summary answers. */
export function summarySection(query, signal) {
  const slot = h(
    "div",
    { class: "counters-slot", "aria-busy": "true" },
    h("p", { class: "muted" }, "Loading…"),
  );
  getJson("/summary", query, signal)
    .then((summary) => {
      slot.replaceChildren(severityCounters(summary));
      slot.setAttribute("aria-busy", "false");
    })
    .catch(showError);
  return section("summary-heading", "Open findings", slot);
}

/** A list route as a paged table, with exports of the same query. */
export function listSection({ id, title, path, query = {}, columns, signal, name }) {
  const table = pagedTable({
    caption: title,
    columns,
    signal,
    load: (cursor, s) => getJson(path, { ...query, limit: PAGE_SIZE, cursor }, s),
  });
  return section(
    id,
    title,
    exportLinks((format) => apiUrl(path, { ...query, format }), name),
    table.element,
  );
}

export const imageRoute = (key) => route("images", key);
export const vulnerabilityRoute = (id) => route("vulnerabilities", id);

/** Tags when the image has some, else the short digest. */
export function imageName(row) {
  return row.tags?.length ? row.tags.join(", ") : shortDigest(row.digest);
}

/** "repo:tag" or "repo@sha256:0123…" */
export function imageTitle(row) {
  return row.tags?.length
    ? `${row.repository}:${row.tags[0]}`
    : `${row.repository}@${shortDigest(row.digest)}`;
}

export const imageColumns = (withRepository) => [
  {
    header: "Image",
    rowHeader: true,
    cell: (r) =>
      h(
        "a",
        { href: imageRoute(r.imageKey), title: r.digest },
        withRepository ? `${r.repository} ` : "",
        imageName(r),
      ),
  },
  { header: "Digest", cell: (r) => h("code", { title: r.digest }, shortDigest(r.digest)) },
  { header: "Highest", cell: (r) => severityBadge(r.maxSeverity) },
  { header: "Open findings", cell: (r) => countsCell(r.open) },
  { header: "Risk", num: true, sort: "descending", cell: (r) => formatNumber(r.risk) },
  { header: "Last scanned", cell: (r) => (r.lastScannedAt ?? "never").slice(0, 10) },
  { header: "Status", cell: (r) => r.status },
];
