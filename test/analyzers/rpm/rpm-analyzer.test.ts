import { describe, expect, it } from "vitest";
import { detectRpmDatabaseFormat, parseRpmDatabase } from "../../../lib/analyzers/rpm/parse-rpm-database.js";
import { parseRpmManifest } from "../../../lib/analyzers/rpm/parse-rpm-manifest.js";
import { rpmAnalyzer } from "../../../lib/analyzers/rpm/rpm-analyzer.js";
import { junkBytes, readFixture, readJsonFixture } from "../fixtures.js";
import { expectedFindings, readRpmQa, sortFindings } from "./rpm-fixtures.js";

const analyze = (bytes: Buffer, path = "var/lib/rpm/rpmdb.sqlite") => rpmAnalyzer.analyze({ path, bytes });
const PKGDB = "pkgdb/rpm";

interface DataPackExpected {
  name: string;
  version: string;
  arch?: string;
  source?: string;
  epoch?: number;
}

/** Each database next to the `rpm -qa` listing rpm itself printed for it (test/fixtures/rpm/make-rpmdbs.sh). */
const DATABASES = [
  {
    dir: PKGDB,
    file: "go-rpmdb-cbl-mariner-2.0.rpmdb.sqlite",
    format: "sqlite",
    path: "var/lib/rpm/rpmdb.sqlite",
  },
  { dir: PKGDB, file: "go-rpmdb-libuuid.Packages", format: "bdb", path: "var/lib/rpm/Packages" },
  { dir: PKGDB, file: "syft-dive.Packages", format: "bdb", path: "var/lib/rpm/Packages" },
  {
    dir: "rpm",
    file: "portcullis.rpmdb.sqlite",
    format: "sqlite",
    path: "usr/lib/sysimage/rpm/rpmdb.sqlite",
  },
  {
    dir: "rpm",
    file: "portcullis-1k-reserved.rpmdb.sqlite",
    format: "sqlite",
    path: "var/lib/rpm/rpmdb.sqlite",
  },
  { dir: "rpm", file: "portcullis-64k.rpmdb.sqlite", format: "sqlite", path: "usr/share/rpm/rpmdb.sqlite" },
  { dir: "rpm", file: "portcullis.Packages.db", format: "ndb", path: "usr/lib/sysimage/rpm/Packages.db" },
  { dir: "rpm", file: "portcullis-le.Packages", format: "bdb", path: "var/lib/rpm/Packages" },
  { dir: "rpm", file: "portcullis-be.Packages", format: "bdb", path: "var/lib/rpm/Packages" },
  { dir: "rpm", file: "portcullis-checksum.Packages", format: "bdb", path: "var/lib/rpm/Packages" },
] as const;

describe("rpm analyzer: every field rpm -qa prints, for each database format", () => {
  for (const db of DATABASES) {
    it(`${db.file} (${db.format}) yields exactly rpm's list`, () => {
      const bytes = readFixture(db.dir, db.file);
      expect(detectRpmDatabaseFormat(bytes)).toBe(db.format);
      const result = analyze(bytes, db.path);
      expect(result.warnings).toBeUndefined();
      expect(sortFindings(result.packages ?? [])).toEqual(expectedFindings(`${db.file}.expected.tsv`));
    });
  }

  it("reads all 129 CBL-Mariner headers (none is a gpg-pubkey) and finds go-rpmdb's curl", () => {
    const result = parseRpmDatabase(readFixture(PKGDB, "go-rpmdb-cbl-mariner-2.0.rpmdb.sqlite"));
    expect(result).toMatchObject({ format: "sqlite", headers: 129, warnings: [] });
    expect(result.packages).toHaveLength(129);
    const [curl] = readJsonFixture<DataPackExpected[]>(
      PKGDB,
      "go-rpmdb-cbl-mariner-2.0.rpmdb.sqlite.expected-subset.json",
    );
    expect(result.packages.find((p) => p.name === "curl")).toMatchObject({
      name: curl?.name,
      version: curl?.version,
      arch: curl?.arch,
      source: { name: "curl", version: "7.76.0-6.cm2" },
    });
    expect(result.packages.filter((p) => p.epoch !== undefined).map((p) => `${p.name} ${p.version}`)).toEqual(
      expect.arrayContaining(["ca-certificates-base 1:2.0.0-1.cm2"]),
    );
  });

  it("matches the data pack's expected lists for the Berkeley DB files", () => {
    for (const file of ["go-rpmdb-libuuid.Packages", "syft-dive.Packages"]) {
      const expected = readJsonFixture<DataPackExpected[]>(PKGDB, `${file}.expected.json`);
      const packages = analyze(readFixture(PKGDB, file), "var/lib/rpm/Packages").packages ?? [];
      expect(
        packages.map((p) => ({ name: p.name, version: p.version, arch: p.arch, source: p.source?.name })),
      ).toEqual(
        expected.map((e) => ({
          name: e.name,
          version: e.version,
          arch: e.arch,
          source: /^(.+)-[^-]+-[^-]+\.src\.rpm$/.exec(e.source ?? "")?.[1],
        })),
      );
    }
  });

  it("skips the imported gpg-pubkey that rpm lists", () => {
    const listed = readRpmQa("portcullis.rpmdb.sqlite.expected.tsv").map((r) => r.name);
    expect(listed).toContain("gpg-pubkey");
    for (const file of ["portcullis.rpmdb.sqlite", "portcullis.Packages.db", "portcullis-le.Packages"]) {
      const result = parseRpmDatabase(readFixture("rpm", file));
      expect(result.headers, file).toBe(listed.length);
      expect(result.packages.map((p) => p.name)).not.toContain("gpg-pubkey");
      expect(result.packages).toHaveLength(listed.length - 1);
    }
  });

  it("lists the files each package installed, for ownership of language packages", () => {
    const result = analyze(readFixture(PKGDB, "go-rpmdb-cbl-mariner-2.0.rpmdb.sqlite"));
    const curl = result.installedFiles?.find((f) => f.owner.name === "curl");
    expect(curl?.owner).toEqual({ ecosystem: "rpm", name: "curl" });
    expect(curl?.paths).toEqual(expect.arrayContaining(["usr/bin/curl", "usr/share/licenses/curl/COPYING"]));
    expect(curl?.paths.every((p) => !p.startsWith("/"))).toBe(true);
    expect(result.installedFiles).toHaveLength(128);
  });

  it("keeps multilib twins, epoch 0, subpackage sources, SPDX expressions and modularity labels", () => {
    const packages = analyze(readFixture("rpm", "portcullis.rpmdb.sqlite")).packages ?? [];
    const epochs = packages.filter((p) => p.name === "portcullis-epoch").map((p) => `${p.version} ${p.arch}`);
    expect(epochs.sort()).toEqual(["3:1.2.3-4.pc1 i686", "3:1.2.3-4.pc1 x86_64"]);
    expect(packages.find((p) => p.name === "portcullis-big")).toMatchObject({
      version: "0:10.4-2.module+pc1",
      epoch: 0,
      modularityLabel: "portcullis:10:20240101000000:abcdef12",
    });
    expect(packages.find((p) => p.name === "libportcullis")?.source).toEqual({
      name: "portcullis-tools",
      version: "2.0.1-7.pc1",
    });
    expect(packages.find((p) => p.name === "portcullis-noarch")).toMatchObject({
      arch: "noarch",
      licenses: ["Apache-2.0 AND (MIT OR GPL-2.0-or-later)"],
    });
    expect(packages.find((p) => p.name === "portcullis-noarch")?.vendor).toBeUndefined();
  });
});

describe("rpm analyzer: CBL-Mariner distroless container-manifest-2", () => {
  const file = "syft-cbl-mariner-2.0-distroless.container-manifest-2";
  const path = "var/lib/rpmmanifest/container-manifest-2";

  it("yields syft's expected list", () => {
    const expected = readJsonFixture<DataPackExpected[]>(PKGDB, `${file}.expected.json`);
    const result = analyze(readFixture(PKGDB, file), path);
    expect(result.warnings).toBeUndefined();
    expect(
      (result.packages ?? []).map((p) => ({
        name: p.name,
        version: p.version,
        epoch: p.epoch,
        arch: p.arch,
      })),
    ).toEqual(expected.map((e) => ({ name: e.name, version: e.version, epoch: e.epoch, arch: e.arch })));
    expect(result.packages?.find((p) => p.name === "vim")).toEqual({
      ecosystem: "rpm",
      name: "vim",
      version: "2:9.0-1.cm2",
      epoch: 2,
      source: { name: "vim", version: "2:9.0-1.cm2" },
      arch: "x86_64",
      vendor: "Microsoft Corporation",
    });
    expect(result.packages?.find((p) => p.name === "openssl-libs")?.source).toEqual({
      name: "openssl",
      version: "1.1.1k-15.cm2",
    });
  });

  it("skips short and version-less lines with warnings, tolerates CRLF and blank lines", () => {
    const text =
      "a\t1.0-1\t0\t0\tV\t(none)\t1\tx86_64\t0\ta-1.0-1.src.rpm\r\n\r\nshort\tline\nb\tnodash\t0\t0\tV\t(none)\t1\tx86_64\t0\tb-1-1.src.rpm\n";
    const result = parseRpmManifest(text);
    expect(result.packages.map((p) => p.name)).toEqual(["a"]);
    expect(result.warnings).toEqual([
      "line 3: 2 tab-separated fields, expected 10; skipped",
      "line 4: no name or no version-release; skipped",
    ]);
  });
});

describe("rpm analyzer: required()", () => {
  it("wants the three database files in the three rpm directories and the Mariner manifest", () => {
    for (const dir of ["var/lib/rpm", "usr/lib/sysimage/rpm", "usr/share/rpm"]) {
      for (const file of ["Packages", "Packages.db", "rpmdb.sqlite"]) {
        expect(rpmAnalyzer.required(`${dir}/${file}`, 1), `${dir}/${file}`).toBe(true);
      }
    }
    expect(rpmAnalyzer.required("var/lib/rpmmanifest/container-manifest-2", 1)).toBe(true);
  });

  it("ignores index files, journals, other names and other directories", () => {
    for (const path of [
      "var/lib/rpm/Name",
      "var/lib/rpm/Basenames",
      "var/lib/rpm/rpmdb.sqlite-wal",
      "var/lib/rpm/rpmdb.sqlite-shm",
      "var/lib/rpm/Index.db",
      "var/lib/rpm/__db.001",
      "var/lib/rpm/sub/Packages",
      "var/lib/rpm",
      "var/lib/rpm/",
      "opt/var/lib/rpm/Packages",
      "var/lib/rpmmanifest/container-manifest-1",
      "etc/Packages",
      "Packages",
    ]) {
      expect(rpmAnalyzer.required(path, 1), path).toBe(false);
    }
  });

  it("declares a size cap that fits big databases", () => {
    expect(rpmAnalyzer.maxFileSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
    expect(rpmAnalyzer).toMatchObject({ name: "rpm", version: 2 });
  });
});

describe("rpm analyzer: not a database", () => {
  it("turns empty, random and foreign bytes into zero packages and one warning", () => {
    for (const bytes of [
      Buffer.alloc(0),
      junkBytes(4096),
      Buffer.from("Package: bash\nVersion: 5\n"),
      readFixture("pkgdb/dpkg", "ubuntu-18.04.status"),
    ]) {
      const result = analyze(bytes);
      expect(result.packages).toEqual([]);
      expect(result.warnings).toEqual(["not an rpm database: neither SQLite, ndb nor Berkeley DB hash"]);
    }
  });

  it("reports a SQLite database without a Packages table", () => {
    const db = Buffer.from(readFixture(PKGDB, "go-rpmdb-cbl-mariner-2.0.rpmdb.sqlite"));
    // Rename the table in the schema (its name, tbl_name and SQL; the schema spans several pages).
    let at = db.indexOf("Packages");
    while (at !== -1) {
      db.write("Pickages", at, "latin1");
      at = db.indexOf("Packages", at + 1);
    }
    const result = analyze(db);
    expect(result.packages).toEqual([]);
    expect(result.warnings).toEqual(["sqlite rpm database: SQLite database has no Packages table"]);
  });
});
