import type { OperatingSystem } from "../../inventory/package.js";
import { familyFromId, parenthesised, parseOsRelease, setIfPresent } from "./parse-os-release.js";

/** The first non-empty line, trimmed: release files are one line with an optional trailing newline. */
function firstLine(text: string): string {
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (trimmed !== "") return trimmed;
  }
  return "";
}

/** `etc/alpine-release`: "3.19.1\n". */
export function parseAlpineRelease(text: string): OperatingSystem | undefined {
  const version = firstLine(text);
  if (!/^\d+\.\d+/.test(version)) return undefined;
  return { family: "alpine", name: "Alpine Linux", version, versionId: version };
}

const DEBIAN_CODENAMES: ReadonlyMap<string, string> = new Map([
  ["7", "wheezy"],
  ["8", "jessie"],
  ["9", "stretch"],
  ["10", "buster"],
  ["11", "bullseye"],
  ["12", "bookworm"],
  ["13", "trixie"],
  ["14", "forky"],
]);

/**
 * `etc/debian_version`, the only OS file in some distroless images: "12.5" is a point release of
 * Debian 12 (advisories key on the major), "trixie/sid" is testing/unstable with no number yet.
 */
export function parseDebianVersion(text: string): OperatingSystem | undefined {
  const value = firstLine(text);
  if (value === "") return undefined;
  const os: OperatingSystem = { family: "debian", name: "Debian GNU/Linux", version: value };
  if (/^\d+(\.\d+)*$/.test(value)) {
    const major = value.split(".")[0] as string;
    os.versionId = major;
    setIfPresent(os, "codename", DEBIAN_CODENAMES.get(major));
  } else if (/^[a-z]+(\/[a-z]+)?$/.test(value)) {
    os.codename = value.split("/")[0] as string;
  } else {
    return undefined;
  }
  return os;
}

/** Product-name prefixes of `<product> release <version> (<codename>)` lines, most specific first. */
const RELEASE_PRODUCTS: ReadonlyArray<readonly [prefix: string, family: string]> = [
  ["red hat enterprise linux", "rhel"],
  ["centos", "centos"],
  ["rocky linux", "rocky"],
  ["almalinux", "almalinux"],
  ["oracle linux", "ol"],
  ["fedora", "fedora"],
  ["amazon linux", "amzn"],
  ["scientific linux", "scientific"],
];

/**
 * redhat-release and its relatives: "Red Hat Enterprise Linux release 9.3 (Plow)",
 * "CentOS Linux release 7.9.2009 (Core)", "CentOS Stream release 9", "Amazon Linux release 2 (Karoo)".
 */
export function parseRedHatStyleRelease(text: string): OperatingSystem | undefined {
  const line = firstLine(text);
  const match = /^(.+?)\s+release\s+(\S+)(.*)$/i.exec(line);
  if (!match) return undefined;
  const name = (match[1] as string).trim();
  const version = match[2] as string;
  const lower = name.toLowerCase();
  const family = RELEASE_PRODUCTS.find(([prefix]) => lower.startsWith(prefix))?.[1];
  if (family === undefined) return undefined;
  const os: OperatingSystem = { family, name, version, versionId: amazonVersionId(family, version) };
  setIfPresent(os, "codename", parenthesised(match[3] as string));
  setIfPresent(os, "prettyName", line);
  return os;
}

/** Amazon Linux 2023's system-release says "2023.3.20240108" where os-release's VERSION_ID says "2023". */
function amazonVersionId(family: string, version: string): string {
  if (family !== "amzn") return version;
  const dated = /^(\d{4})\.\d+\.\d{8}$/.exec(version);
  return dated ? (dated[1] as string) : version;
}

/** `etc/lsb-release`: DISTRIB_ID, DISTRIB_RELEASE, DISTRIB_CODENAME, DISTRIB_DESCRIPTION. */
export function parseLsbRelease(text: string): OperatingSystem | undefined {
  const fields = parseOsRelease(text);
  const id = fields.get("DISTRIB_ID");
  if (id === undefined || id.trim() === "") return undefined;
  const os: OperatingSystem = { family: familyFromId(id), name: id };
  setIfPresent(os, "version", fields.get("DISTRIB_RELEASE"));
  setIfPresent(os, "versionId", fields.get("DISTRIB_RELEASE"));
  setIfPresent(os, "codename", fields.get("DISTRIB_CODENAME"));
  setIfPresent(os, "prettyName", fields.get("DISTRIB_DESCRIPTION"));
  return os;
}

/**
 * `etc/SuSE-release` (SLES 11/12, openSUSE up to 42.x, deprecated since):
 * "SUSE Linux Enterprise Server 12 (x86_64)\nVERSION = 12\nPATCHLEVEL = 5".
 */
export function parseSuseRelease(text: string): OperatingSystem | undefined {
  const title = firstLine(text);
  const family = title.startsWith("SUSE Linux Enterprise Server")
    ? "sles"
    : title.toLowerCase().startsWith("opensuse")
      ? "opensuse-leap"
      : undefined;
  if (family === undefined) return undefined;
  const fields = new Map<string, string>();
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) fields.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const version = fields.get("VERSION");
  if (version === undefined || version === "") return undefined;
  const patch = fields.get("PATCHLEVEL");
  const versionId = patch && patch !== "0" ? `${version}.${patch}` : version;
  const name = (title.replace(/\s*\([^)]*\)\s*$/, "") || title).replace(/\s+\d+(\.\d+)?$/, "");
  const os: OperatingSystem = { family, name, version, versionId, prettyName: title };
  setIfPresent(os, "codename", fields.get("CODENAME"));
  return os;
}
