import { linksNeedAuth, saveAuthorized } from "../api.js";
import { h } from "./dom.js";
import { showError } from "./status.js";

/**
 * "Export CSV" / "Export JSON" of the current view: the API renders the rows itself (`format=`),
 * so an export never loads every page into the browser. Plain links locally; with Cognito the
 * click fetches with the bearer token and saves the answer.
 */
export function exportLinks(urlFor, name) {
  const link = (format, label) => {
    const a = h("a", { class: "button", href: urlFor(format), download: `${name}.${format}` }, label);
    a.addEventListener("click", (event) => {
      a.href = urlFor(format); // filters may have changed since it was drawn
      if (!linksNeedAuth()) return;
      event.preventDefault();
      saveAuthorized(a.href, `${name}.${format}`).catch(showError);
    });
    return a;
  };
  return h("p", { class: "exports" }, link("csv", "Export CSV"), " ", link("json", "Export JSON"));
}
