import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { importDebianTracker, isNotAffected } from "../../../lib/vulndb/importers/index.js";
import { advisoryFixture, collect } from "./collect.js";

const MODIFIED = "2025-08-21T00:00:00Z";
const tmp = mkdtempSync(join(tmpdir(), "portcullis-debian-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("Debian security tracker JSON", () => {
  it("makes one DEBIAN-<CVE> advisory per CVE with an affected entry per release", async () => {
    const path = advisoryFixture("debian-tracker", "vunnel-debian.json");
    const { advisories, warnings, byId } = await collect(importDebianTracker(path, { modified: MODIFIED }));
    expect(warnings).toEqual([]);
    // 7 CVE entries; chromium-browser's CVE-2022-0358 has no releases and yields nothing.
    expect(advisories.map((a) => a.id).sort()).toEqual([
      "DEBIAN-CVE-2005-3111",
      "DEBIAN-CVE-2007-2383",
      "DEBIAN-CVE-2008-7220",
      "DEBIAN-CVE-2013-1444",
      "DEBIAN-CVE-2022-0456",
      "DEBIAN-CVE-2025-53603",
    ]);
    const chromium = byId.get("DEBIAN-CVE-2022-0456");
    expect(chromium?.aliases).toEqual(["CVE-2022-0456"]);
    expect(chromium?.modified).toBe(MODIFIED);
    expect(chromium?.affected).toEqual([
      {
        package: { ecosystem: "Debian:12", name: "chromium" },
        ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "98.0.4758.80-1" }] }],
        database_specific: { status: "resolved", urgency: "not yet assigned" },
      },
      {
        package: { ecosystem: "Debian:11", name: "chromium" },
        ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "98.0.4758.80-1~deb11u1" }] }],
        database_specific: { status: "resolved", urgency: "not yet assigned" },
      },
      {
        package: { ecosystem: "Debian:10", name: "chromium" },
        ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }],
        database_specific: { status: "open", urgency: "end-of-life" },
      },
      {
        package: { ecosystem: "Debian:sid", name: "chromium" },
        ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "98.0.4758.80-1" }] }],
        database_specific: { status: "resolved", urgency: "not yet assigned" },
      },
      {
        package: { ecosystem: "Debian:9", name: "chromium" },
        ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }],
        database_specific: { status: "open", urgency: "end-of-life" },
      },
    ]);
    const unimportant = byId.get("DEBIAN-CVE-2007-2383");
    expect(unimportant?.details).toMatch(/^The Prototype \(prototypejs\) framework/);
    expect(unimportant?.affected?.every(isNotAffected)).toBe(true);
    expect(unimportant?.affected?.[0]).toEqual({
      package: { ecosystem: "Debian:9", name: "prototypejs" },
      database_specific: { status: "resolved", urgency: "unimportant", not_affected: true },
    });
    // The tracker's "**" (not yet reviewed) is dropped from the urgency.
    expect(byId.get("DEBIAN-CVE-2008-7220")?.affected?.[0]?.database_specific).toEqual({
      status: "resolved",
      urgency: "high",
    });
    expect(byId.get("DEBIAN-CVE-2025-53603")?.affected?.map((a) => a.package?.ecosystem)).toEqual([
      "Debian:12",
      "Debian:11",
      "Debian:sid",
      "Debian:13",
    ]);
  });

  it("skips unknown releases and malformed entries with warnings, keeps nodsa", async () => {
    const path = join(tmp, "tracker.json");
    writeFileSync(
      path,
      JSON.stringify({
        openssl: {
          "CVE-2023-0464": {
            releases: {
              bookworm: {
                status: "resolved",
                fixed_version: "3.0.8-1",
                urgency: "low",
                nodsa: "Minor issue",
              },
              hamm: { status: "open", urgency: "low" },
              etch: "broken",
              duke: { status: "resolved", urgency: "low" },
              warty: { status: "open" },
            },
          },
          "TEMP-0000000-1A2B3C": {
            releases: { trixie: { status: "undetermined", urgency: "not yet assigned" } },
          },
        },
        zlib: [],
      }),
    );
    const { advisories, warnings } = await collect(importDebianTracker(path, { modified: MODIFIED }));
    expect(advisories.map((a) => a.id)).toEqual(["DEBIAN-CVE-2023-0464", "DEBIAN-TEMP-0000000-1A2B3C"]);
    expect(advisories[0]?.affected?.map((a) => a.package?.ecosystem)).toEqual(["Debian:12", "Debian:2.0"]);
    expect(advisories[0]?.affected?.[0]?.database_specific).toEqual({
      status: "resolved",
      urgency: "low",
      nodsa: "Minor issue",
    });
    expect(advisories[1]?.aliases).toBeUndefined();
    expect(advisories[1]?.affected?.[0]?.database_specific).toEqual({
      status: "undetermined",
      urgency: "not yet assigned",
    });
    expect(warnings).toEqual([
      `${path}: openssl CVE-2023-0464 etch: skipped: no status`,
      `${path}: openssl CVE-2023-0464 duke: skipped: resolved without fixed_version`,
      `${path}: zlib: skipped: not a mapping of vulnerabilities`,
      `${path}: skipped unknown Debian releases: warty`,
    ]);
  });
});
