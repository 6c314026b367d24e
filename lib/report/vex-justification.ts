import { VEX_JUSTIFICATIONS } from "../policy/openvex.js";

export { VEX_JUSTIFICATIONS };

export type VexJustification = (typeof VEX_JUSTIFICATIONS)[number];

/**
 * The VEX label a suppression's reason carries, if any: a VEX statement's justification
 * ("vulnerable_code_not_in_execute_path"), or "fixed" for a statement that says the product is
 * fixed. Reasons are free text, so the label is looked for as a word anywhere in it.
 */
export function vexJustification(reason: string): VexJustification | "fixed" | undefined {
  const lower = reason.toLowerCase();
  const label = VEX_JUSTIFICATIONS.find((j) => new RegExp(`(^|[^a-z_])${j}([^a-z_]|$)`).test(lower));
  if (label) return label;
  return /^\s*(status:\s*)?fixed\b/.test(lower) ? "fixed" : undefined;
}
