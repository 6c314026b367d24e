import parseSpdxExpression from "spdx-expression-parse";

/** A package's license string as SPDX sees it: one listed id, or a compound expression. */
export type SpdxLicense =
  | { kind: "id"; id: string }
  | { kind: "expression"; expression: string; licenseRefs: string[] };

/**
 * Classifies a license string. Only strings that parse as SPDX expressions against the SPDX
 * license list (spdx-expression-parse) qualify; the expression is re-serialised with upper-case
 * operators, which SPDX 2.3 and CycloneDX consumers expect. Free text ("GPL2+", "custom") and
 * references to other documents (DocumentRef-) give undefined.
 */
export function spdxLicense(text: string): SpdxLicense | undefined {
  let info: parseSpdxExpression.Info;
  try {
    info = parseSpdxExpression(text);
  } catch {
    return undefined;
  }
  const refs: string[] = [];
  let external = false;
  // AND and OR are associative, so parentheses are only needed where the operator changes.
  const render = (node: parseSpdxExpression.Info, parent?: "and" | "or"): string => {
    if ("conjunction" in node) {
      const { conjunction } = node;
      const inner = `${render(node.left, conjunction)} ${conjunction.toUpperCase()} ${render(node.right, conjunction)}`;
      return parent === undefined || parent === conjunction ? inner : `(${inner})`;
    }
    if (node.license.startsWith("DocumentRef-")) external = true;
    if (node.license.startsWith("LicenseRef-")) refs.push(node.license);
    return `${node.license}${node.plus ? "+" : ""}${node.exception ? ` WITH ${node.exception}` : ""}`;
  };
  const expression = render(info);
  if (external) return undefined;
  if ("license" in info && !info.plus && !info.exception && refs.length === 0)
    return { kind: "id", id: info.license };
  return { kind: "expression", expression, licenseRefs: refs };
}
