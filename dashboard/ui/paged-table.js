import { h } from "./dom.js";
import { announce, showError } from "./status.js";

/**
 * A real table over a paginated API list: the first page renders as soon as it arrives, and "Load
 * more" appends the next one (the API's `next` cursor). Nothing ever asks for every row at once.
 *
 * columns: [{ header, cell(row) → Node|string, num?, rowHeader?, sort?: "ascending"|"descending" }]
 */
export function pagedTable({ caption, columns, load, signal, emptyText = "Nothing here yet." }) {
  const tbody = h("tbody");
  const table = h(
    "table",
    {},
    h("caption", {}, caption),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        columns.map((c) =>
          h("th", { scope: "col", class: c.num ? "num" : undefined, "aria-sort": c.sort }, c.header),
        ),
      ),
    ),
    tbody,
  );
  const count = h("span", { class: "row-count" });
  const more = h("button", { type: "button", class: "load-more", hidden: true }, "Load more");
  const wrap = h("div", { class: "table-wrap" }, table, h("p", { class: "pager" }, count, " ", more));
  let next;
  let rows = 0;

  const loadPage = async () => {
    more.disabled = true;
    announce(`Loading ${caption.toLowerCase()}…`);
    try {
      const page = await load(next, signal);
      const fragment = document.createDocumentFragment();
      for (const row of page.items) {
        fragment.append(
          h(
            "tr",
            {},
            columns.map((c) =>
              h(
                c.rowHeader ? "th" : "td",
                c.rowHeader ? { scope: "row" } : { class: c.num ? "num" : undefined },
                c.cell(row),
              ),
            ),
          ),
        );
      }
      tbody.append(fragment);
      rows += page.items.length;
      next = page.next;
      if (rows === 0) tbody.append(h("tr", {}, h("td", { colspan: columns.length }, emptyText)));
      count.textContent = `Showing ${rows}${next ? "" : ` of ${rows}`}`;
      more.hidden = !next;
      announce(`${caption}: showing ${rows}${next ? ", more available" : ""}.`);
    } catch (err) {
      showError(err);
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener("click", loadPage);
  return { element: wrap, loaded: loadPage() };
}
