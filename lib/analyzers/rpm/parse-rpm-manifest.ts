import { createWarningCollector, decodeDatabaseText } from "../text-database.js";
import type { PackageFinding } from "../types.js";
import { parseSourceRpm } from "./rpm-header-package.js";

export interface RpmManifestResult {
  packages: PackageFinding[];
  warnings: string[];
}

/** rpm's placeholder for a tag the header does not have. */
const NONE = "(none)";

/**
 * CBL-Mariner / Azure Linux distroless images carry no rpm database, only
 * `var/lib/rpmmanifest/container-manifest-2`: one line per package, the output of
 * `rpm -qa --qf '%{NAME}\t%{VERSION}-%{RELEASE}\t%{INSTALLTIME}\t%{BUILDTIME}\t%{VENDOR}\t%{EPOCH}\t%{SIZE}\t%{ARCH}\t%{EPOCHNUM}\t%{SOURCERPM}\n'`.
 * Versions and sources follow the same rules as packages read from a database.
 */
export function parseRpmManifest(input: Buffer | string): RpmManifestResult {
  const text = decodeDatabaseText(input);
  const packages: PackageFinding[] = [];
  const collector = createWarningCollector();
  let lineNo = 0;
  for (const line of text.split("\n")) {
    lineNo++;
    if (line.trim() === "") continue;
    const fields = line.split("\t");
    if (fields.length < 10) {
      collector.warn(`line ${lineNo}: ${fields.length} tab-separated fields, expected 10; skipped`);
      continue;
    }
    const field = (i: number): string => (fields[i] ?? "").trim();
    const name = field(0);
    const versionRelease = field(1);
    const vendor = field(4);
    const epochField = field(5);
    const arch = field(7);
    const sourceRpm = field(9);
    const dash = versionRelease.lastIndexOf("-");
    if (!name || dash <= 0 || dash === versionRelease.length - 1) {
      collector.warn(`line ${lineNo}: no name or no version-release; skipped`);
      continue;
    }
    let epochPrefix = "";
    const finding: PackageFinding = { ecosystem: "rpm", name, version: versionRelease };
    if (epochField !== NONE && epochField !== "") {
      const epoch = Number(epochField);
      if (Number.isInteger(epoch) && epoch >= 0) {
        epochPrefix = `${epoch}:`;
        finding.epoch = epoch;
        finding.version = `${epochPrefix}${versionRelease}`;
      } else {
        collector.warn(
          `package ${name} (line ${lineNo}): epoch ${JSON.stringify(epochField)} is not a number`,
        );
      }
    }
    const source = parseSourceRpm(sourceRpm);
    finding.source = source
      ? { name: source.name, version: `${epochPrefix}${source.version}-${source.release}` }
      : { name, version: finding.version };
    if (arch && arch !== NONE) finding.arch = arch;
    if (vendor && vendor !== NONE) finding.vendor = vendor;
    packages.push(finding);
  }
  return { packages, warnings: collector.list() };
}
