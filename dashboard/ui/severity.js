import { formatNumber, h } from "./dom.js";

export const SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"];
export const SEVERITY_RANK = Object.fromEntries(SEVERITIES.map((s, i) => [s, SEVERITIES.length - i]));

export const severityLabel = (s) => (s ? s[0] + s.slice(1).toLowerCase() : "None");

/** A badge that says the severity in words: colour is never the only cue. */
export function severityBadge(severity) {
  return h("span", { class: `sev sev-${(severity ?? "none").toLowerCase()}` }, severityLabel(severity));
}

/** "3 Critical, 12 High": open counts as compact text, for table cells. */
export function countsCell(open = {}) {
  const parts = SEVERITIES.filter((s) => open[s]).map((s) =>
    h(
      "span",
      { class: `count sev-${s.toLowerCase()}`, "data-severity": s },
      formatNumber(open[s]),
      " ",
      h("span", { class: "count-label" }, severityLabel(s)),
    ),
  );
  return parts.length ? h("span", { class: "counts" }, parts) : h("span", { class: "muted" }, "none open");
}

/** The counters at the top of a page: one per severity, plus totals. */
export function severityCounters(summary) {
  const total = SEVERITIES.reduce((sum, s) => sum + (summary.open?.[s] ?? 0), 0);
  const item = (key, label, value, cls = "") =>
    h(
      "li",
      { class: `counter ${cls}`, "data-counter": key },
      h("span", { class: "counter-value" }, formatNumber(value)),
      h("span", { class: "counter-label" }, label),
    );
  return h(
    "ul",
    { class: "counters", "aria-label": "Open findings by severity" },
    SEVERITIES.map((s) =>
      item(s, severityLabel(s), summary.open?.[s] ?? 0, `sev-block sev-${s.toLowerCase()}`),
    ),
    item("open", "Open findings", total),
    summary.images !== undefined && item("images", "Images", summary.images),
    summary.fixable !== undefined && item("fixable", "Fixable", summary.fixable),
    summary.kev !== undefined && item("kev", "Known exploited (KEV)", summary.kev),
  );
}
