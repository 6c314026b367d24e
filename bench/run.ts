import { benchDashboardApi } from "./dashboard-api.js";
import { benchDashboardPage } from "./dashboard-page.js";
import { benchImageScan } from "./image-scan.bench.js";
import { benchLanguageScan } from "./language-scan.bench.js";
import { benchMatching } from "./matching.bench.js";
import { benchPipeline } from "./pipeline.bench.js";
import { benchPkgdbParse } from "./pkgdb-parse.bench.js";
import { benchRescan } from "./rescan.bench.js";
import { benchSecrets } from "./secrets.bench.js";
import { benchVulnDb } from "./vulndb.bench.js";

/** `npm run bench`: every benchmark, each printing its ratio against a baseline from the same run. */
const only = process.argv[2];
const benches: Record<string, () => Promise<void>> = {
  "image-scan": benchImageScan,
  "pkgdb-parse": benchPkgdbParse,
  "language-scan": benchLanguageScan,
  vulndb: benchVulnDb,
  matching: benchMatching,
  pipeline: benchPipeline,
  secrets: benchSecrets,
  rescan: benchRescan,
  "dashboard-api": benchDashboardApi,
  "dashboard-page": benchDashboardPage,
};
for (const [name, bench] of Object.entries(benches)) {
  if (only && only !== name) continue;
  await bench();
  console.log("");
}
