import { fileURLToPath } from "node:url";
import type { Advisory, Enrichment } from "../../../lib/vulndb/advisory.js";
import type { ImportItem } from "../../../lib/vulndb/importers/index.js";

export function advisoryFixture(...parts: string[]): string {
  return fileURLToPath(new URL(`../../fixtures/advisories/${parts.join("/")}`, import.meta.url));
}

export interface Collected {
  advisories: Advisory[];
  enrichments: Enrichment[];
  warnings: string[];
  byId: Map<string, Advisory>;
}

export async function collect(items: AsyncIterable<ImportItem>): Promise<Collected> {
  const out: Collected = { advisories: [], enrichments: [], warnings: [], byId: new Map() };
  for await (const item of items) {
    if (item.advisory) {
      out.advisories.push(item.advisory);
      out.byId.set(item.advisory.id, item.advisory);
    }
    if (item.enrichment) out.enrichments.push(item.enrichment);
    if (item.warning) out.warnings.push(item.warning);
  }
  return out;
}
