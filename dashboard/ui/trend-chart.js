import { formatNumber, h, svg } from "./dom.js";
import { SEVERITIES, severityLabel } from "./severity.js";

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { top: 12, right: 16, bottom: 28, left: 48 };
// Dash patterns tell the lines apart without colour.
const DASH = { CRITICAL: "", HIGH: "8 4", MEDIUM: "2 3", LOW: "10 3 2 3", UNKNOWN: "1 6" };

/**
 * Open findings per day as one line per severity, in inline SVG (no chart library, nothing to
 * download). The same numbers are in a table under the chart for screen readers and copying.
 */
export function trendChart(points) {
  const figure = h("figure", { class: "trend", "data-testid": "trend-chart" });
  if (!points.length) {
    figure.append(
      h("p", { class: "muted" }, "No trend data yet: it appears after the first daily snapshot."),
    );
    return figure;
  }
  const shown = SEVERITIES.filter((s) => points.some((p) => p.open?.[s]));
  const max = Math.max(1, ...points.flatMap((p) => shown.map((s) => p.open?.[s] ?? 0)));
  const x = (i) =>
    PAD.left + (points.length === 1 ? 0 : (i * (WIDTH - PAD.left - PAD.right)) / (points.length - 1));
  const y = (v) => PAD.top + (1 - v / max) * (HEIGHT - PAD.top - PAD.bottom);
  const last = points[points.length - 1];
  const description = `${points.length} days from ${points[0].day} to ${last.day}. On ${last.day}: ${
    shown.map((s) => `${formatNumber(last.open?.[s] ?? 0)} ${severityLabel(s)}`).join(", ") || "none open"
  }.`;

  const chart = svg(
    "svg",
    {
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: "img",
      "aria-labelledby": "trend-title trend-desc",
      class: "trend-svg",
    },
    svg("title", { id: "trend-title" }, "Open findings per day"),
    svg("desc", { id: "trend-desc" }, description),
    [0, 0.5, 1].map((f) => {
      const v = Math.round(max * f);
      return svg(
        "g",
        { class: "axis" },
        svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v) }),
        svg("text", { x: PAD.left - 6, y: y(v) + 4, "text-anchor": "end" }, formatNumber(v)),
      );
    }),
    svg("text", { class: "axis", x: PAD.left, y: HEIGHT - 8 }, points[0].day),
    svg("text", { class: "axis", x: WIDTH - PAD.right, y: HEIGHT - 8, "text-anchor": "end" }, last.day),
    shown.map((s) =>
      svg("polyline", {
        class: `line sev-${s.toLowerCase()}`,
        "data-severity": s,
        fill: "none",
        "stroke-dasharray": DASH[s] || undefined,
        points: points.map((p, i) => `${x(i).toFixed(1)},${y(p.open?.[s] ?? 0).toFixed(1)}`).join(" "),
      }),
    ),
  );
  const legend = h(
    "ul",
    { class: "legend" },
    shown.map((s) =>
      h(
        "li",
        {},
        svg(
          "svg",
          { width: 28, height: 10, "aria-hidden": "true" },
          svg("line", {
            class: `line sev-${s.toLowerCase()}`,
            x1: 0,
            x2: 28,
            y1: 5,
            y2: 5,
            "stroke-dasharray": DASH[s] || undefined,
          }),
        ),
        severityLabel(s),
      ),
    ),
  );
  const data = h(
    "details",
    {},
    h("summary", {}, "Trend data as a table"),
    h(
      "table",
      {},
      h("caption", {}, "Open findings per day"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "Day"),
          shown.map((s) => h("th", { scope: "col", class: "num" }, severityLabel(s))),
        ),
      ),
      h(
        "tbody",
        {},
        points.map((p) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, p.day),
            shown.map((s) => h("td", { class: "num" }, formatNumber(p.open?.[s] ?? 0))),
          ),
        ),
      ),
    ),
  );
  figure.append(chart, legend, data, h("figcaption", {}, description));
  return figure;
}
