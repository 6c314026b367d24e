import { createHash } from "node:crypto";
import type { MisconfigurationFinding, SecretFinding } from "../checks/types.js";
import type { VulnerabilityFinding } from "../matching/finding.js";

/**
 * What makes a finding the same finding in the next scan of the next image: never the scan time,
 * the layer digest or the list position. Code scanning dedups alerts and Security Hub updates
 * findings by these keys, so they must not change when nothing about the finding did.
 */
export function vulnerabilityKey(f: VulnerabilityFinding): string {
  const p = f.package;
  return ["vulnerability", f.id, p.ecosystem, p.name, p.version, p.foundIn].join("\u0000");
}

/** The fingerprint is already a hash of the clear value: the key never holds the secret itself. */
export function secretKey(f: SecretFinding): string {
  return ["secret", f.ruleId, f.path, f.fingerprint].join("\u0000");
}

export function misconfigurationKey(f: MisconfigurationFinding): string {
  return ["misconfiguration", f.id, ...(f.evidence ?? [])].join("\u0000");
}

/** A short hex digest of a key, for identifiers with length limits. */
export function keyHash(key: string, length = 32): string {
  return createHash("sha256").update(key).digest("hex").slice(0, length);
}
