import { getJson, linksNeedAuth } from "../api.js";
import { formatDate, h, route } from "../ui/dom.js";
import { severityCounters } from "../ui/severity.js";
import { showError } from "../ui/status.js";
import { imageName, imageTitle, section } from "./common.js";
import { findingsTable } from "./findings-table.js";

/** One image: what it is, its open counts, its downloads, and its findings with their layers. */
export async function imageView({ main, params, signal, crumbs }) {
  const detail = await getJson(`/images/${encodeURIComponent(params.imageKey)}`, {}, signal);
  const { image, findings, links } = detail;
  const name = imageTitle(image);
  crumbs([
    { label: `Account ${image.account}`, href: route("accounts", image.account) },
    { label: image.repository, href: route("accounts", image.account, "repositories", image.repository) },
    { label: imageName(image) },
  ]);
  const facts = [
    ["Account", image.account],
    ["Provider", image.provider],
    ["Region", image.region],
    ["Digest", h("code", {}, image.digest)],
    ["Tags", image.tags.join(", ") || "none"],
    ["Pushed", formatDate(image.pushedAt)],
    ["Last scanned", formatDate(image.lastScannedAt) || "never"],
    ["Status", image.status],
  ];
  main.append(
    h("h1", { tabindex: "-1" }, name),
    h(
      "dl",
      { class: "facts" },
      facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
    ),
    section("summary-heading", "Open findings", severityCounters({ open: image.open })),
    section(
      "downloads-heading",
      "Downloads",
      h(
        "ul",
        { class: "downloads" },
        download(links.report, "Full report (JSON)"),
        download(links.sbom, "SBOM (CycloneDX)"),
        !links.report && !links.sbom && h("li", { class: "muted" }, "This scan stored no report or SBOM."),
      ),
    ),
    section("findings-heading", "Findings", findingsTable(image.imageKey, findings)),
  );
  return name;
}

function download(link, label) {
  if (!link) return undefined;
  const href = new URL(link, location.href).href;
  const a = h("a", { href }, label);
  a.addEventListener("click", (event) => {
    if (!linksNeedAuth()) return;
    event.preventDefault();
    // Behind Cognito the API answers with a short-lived signed URL, which the browser then opens.
    getJson(new URL(href).pathname.replace(/^.*?\/api(?=\/)/, ""), { redirect: "false" })
      .then(({ url }) => location.assign(url))
      .catch(showError);
  });
  return h("li", {}, a);
}
