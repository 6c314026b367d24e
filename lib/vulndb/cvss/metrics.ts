/** Allowed values per metric abbreviation, as listed in a CVSS specification. */
export type MetricValues = Readonly<Record<string, readonly string[]>>;

/**
 * Splits "AV:N/AC:L/..." into a metric map. Returns undefined for an empty part, a part without
 * exactly one ":", an unknown metric, a value the specification does not list, or a metric given twice,
 * so that every calculator validates vectors the same way. Order is not checked.
 */
export function parseMetrics(body: string, allowed: MetricValues): Map<string, string> | undefined {
  const metrics = new Map<string, string>();
  for (const part of body.split("/")) {
    const pieces = part.split(":");
    if (pieces.length !== 2) return undefined;
    const [name, value] = pieces as [string, string];
    if (!Object.hasOwn(allowed, name) || metrics.has(name)) return undefined;
    if (!allowed[name]?.includes(value)) return undefined;
    metrics.set(name, value);
  }
  return metrics;
}

/** True when every mandatory metric is present (duplicates are already rejected by parseMetrics). */
export function hasAll(metrics: ReadonlyMap<string, string>, names: readonly string[]): boolean {
  return names.every((name) => metrics.has(name));
}

/** True when at least one of the names is present with a value other than "Not Defined" (X / ND). */
export function anyDefined(metrics: ReadonlyMap<string, string>, names: readonly string[]): boolean {
  return names.some((name) => {
    const value = metrics.get(name);
    return value !== undefined && value !== "X" && value !== "ND";
  });
}

/**
 * Removes binary floating-point noise (4.6 * 0.25 = 1.1499999999999999) so that rounding sees the
 * decimal value the specifications compute with (1.15); 12 significant digits is far above any CVSS
 * precision and far below the noise.
 */
export function decimal(value: number): number {
  return Number(value.toPrecision(12));
}
