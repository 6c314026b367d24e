/** The OpenVEX (v0.2.0) status justifications. */
export const VEX_JUSTIFICATIONS = [
  "component_not_present",
  "vulnerable_code_not_present",
  "vulnerable_code_not_in_execute_path",
  "vulnerable_code_cannot_be_controlled_by_adversary",
  "inline_mitigations_already_exist",
] as const;

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
