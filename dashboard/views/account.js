import { formatNumber, h, route } from "../ui/dom.js";
import { countsCell } from "../ui/severity.js";
import { imageColumns, listSection, summarySection } from "./common.js";

/** One account: its counters, its repositories, and its riskiest images. */
export function accountView({ main, params, signal, crumbs }) {
  const { account } = params;
  crumbs([{ label: `Account ${account}` }]);
  main.append(
    h("h1", { tabindex: "-1" }, `Account ${account}`),
    summarySection({ account }, signal),
    listSection({
      id: "repositories-heading",
      title: "Repositories",
      name: `repositories-${account}`,
      path: `/accounts/${encodeURIComponent(account)}/repositories`,
      signal,
      columns: [
        {
          header: "Repository",
          rowHeader: true,
          cell: (r) =>
            h("a", { href: route("accounts", account, "repositories", r.repository) }, r.repository),
        },
        { header: "Images", num: true, cell: (r) => formatNumber(r.images) },
        { header: "Open findings", cell: (r) => countsCell(r.open) },
      ],
    }),
    listSection({
      id: "images-heading",
      title: "Riskiest images",
      name: `images-${account}`,
      path: "/images",
      query: { account },
      signal,
      columns: imageColumns(true),
    }),
  );
  return `Account ${account}`;
}
