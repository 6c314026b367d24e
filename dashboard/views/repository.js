import { h, route } from "../ui/dom.js";
import { imageColumns, listSection, summarySection } from "./common.js";

/** One repository: its images, riskiest first. */
export function repositoryView({ main, params, signal, crumbs }) {
  const { account, repository } = params;
  crumbs([{ label: `Account ${account}`, href: route("accounts", account) }, { label: repository }]);
  main.append(
    h("h1", { tabindex: "-1" }, `Repository ${repository}`),
    summarySection({ account, repository }, signal),
    listSection({
      id: "images-heading",
      title: "Images, riskiest first",
      name: `images-${repository.replace(/[^\w.-]+/g, "_")}`,
      path: "/images",
      query: { account, repository },
      signal,
      columns: imageColumns(false),
    }),
  );
  return `Repository ${repository}`;
}
