import { describe, expect, it } from "vitest";
import type { Package } from "../../lib/inventory/package.js";
import { type AdvisoryLookup, matchPackages } from "../../lib/matching/match-packages.js";
import type { Advisory } from "../../lib/vulndb/advisory.js";

const dotted = (a: string, b: string): number => {
  const pa = a.split(/[.-]/).map(Number);
  const pb = b.split(/[.-]/).map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
};

const layer = { index: 1, diffID: "sha256:d", digest: "sha256:c" };
const pkg = (p: Partial<Package> & Pick<Package, "ecosystem" | "name" | "version">): Package => ({
  layer,
  foundIn: "app",
  ...p,
});

function lookupOf(advisories: Advisory[], enrichment: Record<string, object> = {}): AdvisoryLookup {
  return {
    advisoriesFor: async (ecosystem, name) =>
      advisories.filter((a) =>
        (a.affected ?? []).some(
          (x) => x.package?.ecosystem === ecosystem && x.package?.name.toLowerCase() === name.toLowerCase(),
        ),
      ),
    enrichment: async (cve) => (enrichment[cve] ? { cve, ...enrichment[cve] } : undefined),
  };
}

const pypi = (
  id: string,
  aliases: string[],
  name: string,
  events: object[],
  extra: Partial<Advisory> = {},
): Advisory => ({
  id,
  modified: "2024-01-01T00:00:00Z",
  aliases,
  affected: [
    { package: { ecosystem: "PyPI", name }, ranges: [{ type: "ECOSYSTEM", events: events as never }] },
  ],
  ...extra,
});

const options = {
  comparatorFor: (e: string) => (e === "PyPI" || e.startsWith("Debian") ? dotted : undefined),
  scoreVector: (v: string) =>
    v.startsWith("CVSS:3.1/AV:N") ? { score: 9.8, severity: "CRITICAL" } : undefined,
};

describe("matchPackages", () => {
  it("merges advisories of the same flaw into one finding with every id, and enriches it", async () => {
    const lookup = lookupOf(
      [
        pypi("GHSA-aaaa", ["CVE-2023-1"], "Django", [{ introduced: "0" }, { fixed: "4.2.3" }], {
          database_specific: { severity: "HIGH" },
          references: [{ type: "WEB", url: "https://example.invalid/ghsa" }],
        }),
        pypi("PYSEC-2023-9", ["CVE-2023-1"], "django", [{ introduced: "4.0" }, { fixed: "4.2.3" }]),
        pypi("PYSEC-2023-10", [], "django", [{ introduced: "5.0" }]),
        pypi("GHSA-wwww", ["CVE-2023-2"], "django", [{ introduced: "0" }], {
          withdrawn: "2024-02-01T00:00:00Z",
        }),
      ],
      { "CVE-2023-1": { kev: { dateAdded: "2024-01-02" }, epss: { probability: 0.9, percentile: 0.99 } } },
    );
    const { findings } = await matchPackages(
      [pkg({ ecosystem: "pypi", name: "Django", version: "4.2.1" })],
      undefined,
      lookup,
      options,
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      id: "CVE-2023-1",
      aliases: ["CVE-2023-1", "GHSA-aaaa", "PYSEC-2023-9"],
      advisories: ["GHSA-aaaa", "PYSEC-2023-9"],
      fixedVersions: ["4.2.3"],
      status: "fixed",
      severity: { level: "HIGH", source: "GHSA-aaaa" },
      kev: true,
      epss: { probability: 0.9, percentile: 0.99 },
      references: ["https://example.invalid/ghsa"],
      package: { name: "Django", version: "4.2.1", layer },
    });
  });

  it("uses CVSS from the advisory when there is no vendor rating", async () => {
    const lookup = lookupOf([
      pypi("PYSEC-1", [], "x", [{ introduced: "0" }], {
        severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }],
      }),
    ]);
    const { findings } = await matchPackages(
      [pkg({ ecosystem: "pypi", name: "x", version: "1" })],
      undefined,
      lookup,
      options,
    );
    expect(findings[0]).toMatchObject({
      id: "PYSEC-1",
      status: "affected",
      severity: { level: "CRITICAL", score: 9.8 },
    });
  });

  it("matches OS packages by source package in their own release only, with the vendor's status", async () => {
    const debian = (release: string, status: Record<string, unknown>): Advisory => ({
      id: `DEBIAN-CVE-2024-5-${release}`,
      modified: "2024-01-01T00:00:00Z",
      aliases: ["CVE-2024-5"],
      affected: [
        {
          package: { ecosystem: `Debian:${release}`, name: "util-linux" },
          ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }],
          database_specific: status,
        },
      ],
    });
    const lookup = lookupOf([debian("12", { urgency: "unimportant" }), debian("11", {})]);
    const bsdutils = pkg({
      ecosystem: "deb",
      name: "bsdutils",
      version: "1:2.38.1-5+b1",
      source: { name: "util-linux", version: "2.38.1-5" },
    });
    const { findings } = await matchPackages(
      [bsdutils],
      { family: "debian", release: "12" },
      lookup,
      options,
    );
    expect(findings.map((f) => [f.id, f.status, f.severity.level, f.advisories])).toEqual([
      ["CVE-2024-5", "unimportant", "NEGLIGIBLE", ["DEBIAN-CVE-2024-5-12"]],
    ]);
  });

  it("warns once when an ecosystem has no comparator, and matches nothing there", async () => {
    const lookup = lookupOf([]);
    const { findings, warnings } = await matchPackages(
      [
        pkg({ ecosystem: "gem", name: "rack", version: "2.2.8" }),
        pkg({ ecosystem: "gem", name: "rails", version: "7" }),
      ],
      undefined,
      lookup,
      options,
    );
    expect(findings).toEqual([]);
    expect(warnings).toEqual(["no version comparator for ecosystem RubyGems; its packages were not matched"]);
  });
});
