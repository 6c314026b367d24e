import { getJson } from "../api.js";
import { formatNumber, h, route } from "../ui/dom.js";
import { countsCell, severityBadge } from "../ui/severity.js";
import { showError } from "../ui/status.js";
import { trendChart } from "../ui/trend-chart.js";
import { listSection, section, summarySection, vulnerabilityRoute } from "./common.js";

/** The fleet at a glance: every request here is a key lookup or a short page, whatever the fleet size. */
export function overviewView({ main, signal, crumbs }) {
  crumbs([]);
  const trendSlot = h(
    "div",
    { class: "trend-slot", "aria-busy": "true" },
    h("p", { class: "muted" }, "Loading…"),
  );
  getJson("/trend", { days: 30 }, signal)
    .then((trend) => {
      trendSlot.replaceChildren(trendChart(trend.points ?? []));
      trendSlot.setAttribute("aria-busy", "false");
    })
    .catch(showError);

  main.append(
    h("h1", { tabindex: "-1" }, "Fleet overview"),
    summarySection({}, signal),
    section("trend-heading", "Open findings, last 30 days", trendSlot),
    listSection({
      id: "accounts-heading",
      title: "Accounts",
      name: "accounts",
      path: "/accounts",
      signal,
      columns: [
        {
          header: "Account",
          rowHeader: true,
          cell: (r) => h("a", { href: route("accounts", r.account) }, r.account),
        },
        { header: "Provider", cell: (r) => r.provider ?? "" },
        { header: "Images", num: true, cell: (r) => formatNumber(r.images) },
        { header: "Open findings", cell: (r) => countsCell(r.open) },
      ],
    }),
    listSection({
      id: "top-heading",
      title: "Top vulnerabilities",
      name: "top-vulnerabilities",
      path: "/vulnerabilities/top",
      signal,
      columns: [
        {
          header: "Vulnerability",
          rowHeader: true,
          cell: (r) => h("a", { href: vulnerabilityRoute(r.id) }, r.id),
        },
        { header: "Severity", cell: (r) => severityBadge(r.severity) },
        { header: "Images", num: true, sort: "descending", cell: (r) => formatNumber(r.images) },
        { header: "KEV", cell: (r) => kevCell(r.kev) },
        { header: "EPSS", num: true, cell: (r) => epssCell(r.epss) },
        { header: "Fix", cell: (r) => (r.fixable ? "Fix available" : "No fix") },
        { header: "Summary", cell: (r) => r.summary ?? "" },
      ],
    }),
  );
  return "Fleet overview";
}

export function kevCell(kev) {
  return kev ? h("span", { class: "kev" }, "Known exploited") : h("span", { class: "muted" }, "No");
}

/** EPSS probability as a percentage, with the percentile in the title. */
export function epssCell(epss) {
  if (!epss) return "";
  return h(
    "span",
    { title: `percentile ${(epss.percentile * 100).toFixed(0)}` },
    `${(epss.probability * 100).toFixed(epss.probability < 0.1 ? 2 : 1)}%`,
  );
}
