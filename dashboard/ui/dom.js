// Builds DOM nodes from data without innerHTML, so values from the API can never become markup.

/** h("a", { href, class }, "text", childNode) */
export function h(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function svg(tag, attrs = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

function fill(el, attrs, children) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else el.setAttribute(name === "className" ? "class" : name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Number.POSITIVE_INFINITY)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const numberFormat = new Intl.NumberFormat("en");
export const formatNumber = (n) => numberFormat.format(n ?? 0);

export function formatDate(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 16).replace("T", " ");
}

/** "sha256:0123456789ab…": enough to tell digests apart in a table; the full value goes in a title. */
export function shortDigest(digest) {
  return digest ? digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, "$1…") : "";
}

/** Hash routes: each segment URL-encoded, so repository names with slashes stay one segment. */
export function route(...segments) {
  return `#/${segments.map((s) => encodeURIComponent(s)).join("/")}`;
}
