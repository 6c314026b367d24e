import { describe, expect, it } from "vitest";
import { importAlpineSecdb, isNotAffected, mergeAdvisories } from "../../../lib/vulndb/importers/index.js";
import { advisoryFixture, collect } from "./collect.js";

const MODIFIED = "2020-06-08T00:00:00Z";

function secdb(name: string) {
  return collect(importAlpineSecdb(advisoryFixture("secdb", name), { modified: MODIFIED }));
}

describe("Alpine secdb", () => {
  it("makes one ALPINE-<id> advisory per id in a release file (YAML)", async () => {
    const { advisories, warnings, byId } = await secdb("alpine-v3.11-main.yaml");
    expect(advisories).toHaveLength(1124);
    // "CVE-????-?????  XSA-295" names only the XSA: imported under it, no warning.
    expect(warnings).toEqual([]);
    expect(byId.get("ALPINE-CVE-2019-14904")).toEqual({
      id: "ALPINE-CVE-2019-14904",
      modified: MODIFIED,
      aliases: ["CVE-2019-14904"],
      database_specific: { source: "alpine-secdb" },
      affected: [
        {
          package: { ecosystem: "Alpine:v3.11", name: "ansible" },
          ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "2.9.3-r0" }] }],
          database_specific: { repo: "main" },
        },
      ],
    });
    expect(byId.get("ALPINE-XSA-295")?.affected?.[0]?.package?.name).toBe("xen");
  });

  it("joins packages fixing the same id, keeps other names as aliases, marks fix 0 as not affected", async () => {
    const { advisories, warnings, byId } = await secdb("alpine-v3.8-main.yaml");
    expect(warnings).toEqual([]);
    expect(advisories).toHaveLength(1090);
    const both = byId.get("ALPINE-CVE-2017-2615");
    expect(both?.aliases).toEqual(["CVE-2017-2615", "XSA-208"]);
    expect(both?.affected?.map((a) => [a.package?.name, a.ranges?.[0]?.events[1]])).toEqual([
      ["qemu", { fixed: "2.8.1-r1" }],
      ["xen", { fixed: "4.7.1-r5" }],
    ]);
    expect(byId.get("ALPINE-XSA-207")?.aliases).toEqual(["XSA-207"]);
    const never = byId.get("ALPINE-CVE-2016-0682")?.affected ?? [];
    expect(never).toEqual([
      {
        package: { ecosystem: "Alpine:v3.8", name: "db" },
        database_specific: { repo: "main", not_affected: true },
      },
    ]);
    expect(isNotAffected(never[0] as NonNullable<(typeof never)[0]>)).toBe(true);
    expect(advisories.flatMap((a) => a.affected ?? []).filter(isNotAffected)).toHaveLength(5);
  });

  it("keeps version keys as strings and fixes the CVE_ typo", async () => {
    const { warnings, byId } = await secdb("alpine-v3.10-community.yaml");
    expect(warnings).toEqual([]);
    expect(byId.size).toBe(692);
    const jdk = byId.get("ALPINE-CVE-2019-2426");
    expect(jdk?.affected?.[0]?.package?.name).toBe("openjdk7");
    expect(jdk?.affected?.[0]?.ranges?.[0]?.events).toEqual([
      { introduced: "0" },
      { fixed: "7.211.2.6.17-r0" },
    ]);
  });

  it("reads the secdb JSON served by secdb.alpinelinux.org, edge included", async () => {
    const clair = await secdb("claircore-v3.10-community.json");
    expect(clair.advisories).toHaveLength(9);
    expect(clair.byId.get("ALPINE-CVE-2018-20187")?.affected?.[0]).toMatchObject({
      package: { ecosystem: "Alpine:v3.10", name: "botan" },
      ranges: [{ events: [{ introduced: "0" }, { fixed: "2.9.0-r0" }] }],
      database_specific: { repo: "community" },
    });
    const edge = await secdb("vuln-list-update-edge-main.json");
    expect(edge.advisories.map((a) => a.id)).toEqual(["ALPINE-CVE-2021-30139", "ALPINE-CVE-2021-36159"]);
    expect(edge.advisories[0]?.affected?.[0]?.package).toEqual({
      ecosystem: "Alpine:edge",
      name: "apk-tools",
    });
  });

  it("merges the same id from two releases into one record", async () => {
    const v315 = await secdb("vunnel-v3.15-main.yaml");
    expect(v315.advisories).toHaveLength(13);
    const a = v315.byId.get("ALPINE-CVE-2018-25032");
    const other = (await secdb("alpine-v3.11-main.yaml")).byId.get("ALPINE-CVE-2019-14904");
    expect(a && other).toBeTruthy();
    if (!a || !other) return;
    const twin = { ...other, id: a.id, aliases: a.aliases };
    const merged = mergeAdvisories(a, twin);
    expect(merged.affected?.map((x) => x.package?.ecosystem)).toEqual(["Alpine:v3.15", "Alpine:v3.11"]);
    expect(merged.aliases).toEqual(["CVE-2018-25032"]);
  });
});
