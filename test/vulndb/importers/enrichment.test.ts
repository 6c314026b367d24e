import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { importEpss, importKev, importNvd } from "../../../lib/vulndb/importers/index.js";
import { advisoryFixture, collect } from "./collect.js";

const tmp = mkdtempSync(join(tmpdir(), "portcullis-enrich-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("enrichment feeds", () => {
  it("takes NVD's vectors per CVSS version, the Primary one first", async () => {
    const { enrichments, warnings } = await collect(
      importNvd(advisoryFixture("enrichment", "nvdcve-2.0-sample.json")),
    );
    expect(warnings).toEqual([]);
    expect(enrichments).toEqual([
      {
        cve: "CVE-2021-44228",
        nvdCvss: [
          { type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H" },
          { type: "CVSS_V2", score: "AV:N/AC:M/Au:N/C:C/I:C/A:C" },
        ],
      },
      {
        cve: "CVE-2024-3094",
        nvdCvss: [
          { type: "CVSS_V4", score: "CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H" },
          { type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:H/A:H" },
        ],
      },
      { cve: "CVE-2025-0001" },
    ]);
  });

  it("reads the CISA KEV catalogue", async () => {
    const { enrichments, warnings } = await collect(
      importKev(advisoryFixture("enrichment", "known_exploited_vulnerabilities.json")),
    );
    expect(warnings).toEqual([]);
    expect(enrichments).toHaveLength(3);
    expect(enrichments[0]).toEqual({
      cve: "CVE-2021-44228",
      kev: { dateAdded: "2021-12-10", dueDate: "2021-12-24", knownRansomwareCampaignUse: "Known" },
    });
  });

  it("streams the EPSS CSV, plain or gzipped, with the score date on every row", async () => {
    for (const name of ["epss_scores-2025-01-10.csv", "epss_scores-2025-01-10.csv.gz"]) {
      const { enrichments, warnings } = await collect(importEpss(advisoryFixture("enrichment", name)));
      expect(warnings).toEqual([]);
      expect(enrichments).toHaveLength(5);
      expect(enrichments[2]).toEqual({
        cve: "CVE-2021-44228",
        epss: { probability: 0.9756, percentile: 0.99997, date: "2025-01-10T00:00:00+0000" },
      });
    }
  });

  it("skips malformed EPSS rows and NVD/KEV entries with warnings", async () => {
    const csv = join(tmp, "epss.csv");
    writeFileSync(
      csv,
      "cve,epss,percentile\nCVE-2021-44228,0.9,0.99\nnot-a-cve,0.1,0.1\nCVE-2014-0160,,0.5\nCVE-2014-0160,2,0.5\n",
    );
    const epss = await collect(importEpss(csv));
    expect(epss.enrichments).toEqual([
      { cve: "CVE-2021-44228", epss: { probability: 0.9, percentile: 0.99 } },
    ]);
    expect(epss.warnings).toEqual([3, 4, 5].map((n) => `${csv}:${n}: skipped malformed row`));

    const nvd = join(tmp, "nvd.json");
    writeFileSync(
      nvd,
      JSON.stringify({ format: "NVD_CVE", vulnerabilities: [{ cve: {} }, { cve: { id: "CVE-2014-0160" } }] }),
    );
    const n = await collect(importNvd(nvd));
    expect(n.enrichments).toEqual([{ cve: "CVE-2014-0160" }]);
    expect(n.warnings).toEqual([`${nvd}: vulnerabilities[0]: skipped: no cve.id`]);

    const kev = join(tmp, "kev.json");
    writeFileSync(
      kev,
      JSON.stringify({ catalogVersion: "x", vulnerabilities: [{ cveID: "CVE-2014-0160" }] }),
    );
    const k = await collect(importKev(kev));
    expect(k.enrichments).toEqual([]);
    expect(k.warnings).toEqual([`${kev}: vulnerabilities[0]: skipped: no cveID or dateAdded`]);
  });
});
