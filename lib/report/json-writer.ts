import type { ScanReport } from "./scan-report.js";

export function writeJson(report: ScanReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
