import type { MisconfigurationFinding } from "../types.js";
import type { CheckContext } from "./input.js";

export const HEALTHCHECK_ID = "PCIMG-008";

/** A usable HEALTHCHECK has a Test other than ["NONE"] (which disables an inherited one). */
export function hasHealthcheck(healthcheck: unknown): boolean {
  if (typeof healthcheck !== "object" || healthcheck === null) return false;
  const test = (healthcheck as { Test?: unknown }).Test;
  if (!Array.isArray(test) || test.length === 0) return false;
  return String(test[0]).toUpperCase() !== "NONE";
}

export function checkHealthcheck({ config }: CheckContext): MisconfigurationFinding | undefined {
  const healthcheck = config.config?.Healthcheck;
  if (hasHealthcheck(healthcheck)) return undefined;
  const disabled = healthcheck !== undefined && healthcheck !== null;
  return {
    id: HEALTHCHECK_ID,
    title: "No HEALTHCHECK",
    severity: "LOW",
    message: disabled
      ? "The image config disables the health check (HEALTHCHECK NONE), so the engine cannot tell a hung container from a healthy one."
      : "The image config has no HEALTHCHECK, so the engine cannot tell a hung container from a healthy one.",
    remediation:
      'Add a HEALTHCHECK that probes the service, e.g. HEALTHCHECK CMD ["/app/healthcheck"] or CMD-SHELL "curl -fsS http://localhost:8080/health || exit 1" (orchestrators with their own probes may ignore it).',
    evidence: [disabled ? 'Healthcheck: {"Test":["NONE"]}' : "Healthcheck is not set"],
    cis: ["4.6"],
  };
}
