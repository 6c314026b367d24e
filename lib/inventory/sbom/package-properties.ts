import { SourceError } from "../../errors.js";
import type { OperatingSystem, Package } from "../package.js";

/**
 * The name/value pairs that carry what SBOM formats have no field for, so that a Package written
 * by either writer reads back equal, field for field. CycloneDX holds them as component
 * properties, SPDX as package annotations. Names are namespaced "portcullis:…" as CycloneDX's
 * property taxonomy asks; Package fields added later travel as "portcullis:field:<key>" (JSON).
 */
export interface Property {
  name: string;
  value: string;
}

export const PROPERTY_PREFIX = "portcullis:";

const P = {
  ecosystem: "portcullis:ecosystem",
  epoch: "portcullis:epoch",
  sourceName: "portcullis:source:name",
  sourceVersion: "portcullis:source:version",
  arch: "portcullis:arch",
  licenses: "portcullis:licenses",
  maintainer: "portcullis:maintainer",
  checksum: "portcullis:checksum",
  vendor: "portcullis:vendor",
  modularityLabel: "portcullis:modularityLabel",
  layerIndex: "portcullis:layer:index",
  layerDiffID: "portcullis:layer:diffID",
  layerDigest: "portcullis:layer:digest",
  foundIn: "portcullis:foundIn",
  purlDerived: "portcullis:purl:derived",
} as const;

const FIELD_PREFIX = "portcullis:field:";
const OS_PREFIX = "portcullis:os:";

/** Fields the formats carry natively (name, version, purl) or that have a property above. */
const KNOWN_FIELDS = new Set<string>([
  "ecosystem",
  "name",
  "version",
  "epoch",
  "source",
  "arch",
  "licenses",
  "maintainer",
  "checksum",
  "vendor",
  "modularityLabel",
  "purl",
  "layer",
  "foundIn",
]);

export interface PackagePropertyOptions {
  /** The purl in the SBOM was computed by the writer, not carried by the package. */
  purlDerived?: boolean;
}

export function packageProperties(pkg: Package, options: PackagePropertyOptions = {}): Property[] {
  const out: Property[] = [];
  const add = (name: string, value: string | number | undefined) => {
    if (value !== undefined) out.push({ name, value: String(value) });
  };
  add(P.ecosystem, pkg.ecosystem);
  add(P.epoch, pkg.epoch);
  add(P.sourceName, pkg.source?.name);
  add(P.sourceVersion, pkg.source?.version);
  add(P.arch, pkg.arch);
  // Exactly as found: both formats' own license fields hold a normalised SPDX form.
  if (pkg.licenses) add(P.licenses, JSON.stringify(pkg.licenses));
  add(P.maintainer, pkg.maintainer);
  add(P.checksum, pkg.checksum);
  add(P.vendor, pkg.vendor);
  add(P.modularityLabel, pkg.modularityLabel);
  add(P.layerIndex, pkg.layer.index);
  add(P.layerDiffID, pkg.layer.diffID);
  add(P.layerDigest, pkg.layer.digest);
  add(P.foundIn, pkg.foundIn);
  if (options.purlDerived) add(P.purlDerived, "true");
  for (const [key, value] of Object.entries(pkg)) {
    if (!KNOWN_FIELDS.has(key) && value !== undefined) add(`${FIELD_PREFIX}${key}`, JSON.stringify(value));
  }
  return out;
}

/** What the format itself says about the package. */
export interface NativePackageFields {
  name: string;
  version: string;
  purl?: string;
  licenses?: string[];
}

/**
 * Rebuilds a Package written by one of our writers; undefined when the properties are not ours
 * (no portcullis:ecosystem), so the caller falls back to reading the package best effort.
 */
export function packageFromProperties(
  properties: ReadonlyMap<string, string>,
  native: NativePackageFields,
  where: string,
): Package | undefined {
  const ecosystem = properties.get(P.ecosystem);
  if (ecosystem === undefined) return undefined;
  const bad = (name: string, why: string): never => {
    throw new SourceError(`${where}: property ${name} ${why}`);
  };
  const required = (name: string): string => properties.get(name) ?? bad(name, "is missing");
  const integer = (name: string, value: string): number =>
    /^-?\d+$/.test(value) ? Number(value) : bad(name, `is not a whole number: ${JSON.stringify(value)}`);

  const pkg: Package = {
    ecosystem,
    name: native.name,
    version: native.version,
    layer: {
      index: integer(P.layerIndex, required(P.layerIndex)),
      diffID: required(P.layerDiffID),
      digest: required(P.layerDigest),
    },
    foundIn: required(P.foundIn),
  };
  const epoch = properties.get(P.epoch);
  if (epoch !== undefined) pkg.epoch = integer(P.epoch, epoch);
  const sourceName = properties.get(P.sourceName);
  if (sourceName !== undefined) {
    const sourceVersion = properties.get(P.sourceVersion);
    pkg.source =
      sourceVersion === undefined ? { name: sourceName } : { name: sourceName, version: sourceVersion };
  }
  setIfDefined(pkg, "arch", properties.get(P.arch));
  const licenses = properties.get(P.licenses);
  if (licenses !== undefined)
    pkg.licenses = parseStringArray(licenses, () => bad(P.licenses, "is not a JSON string array"));
  else if (native.licenses && native.licenses.length > 0) pkg.licenses = native.licenses;
  setIfDefined(pkg, "maintainer", properties.get(P.maintainer));
  setIfDefined(pkg, "checksum", properties.get(P.checksum));
  setIfDefined(pkg, "vendor", properties.get(P.vendor));
  setIfDefined(pkg, "modularityLabel", properties.get(P.modularityLabel));
  // A purl the writer derived was not part of the package: leave it out so the package reads back equal.
  if (native.purl !== undefined && properties.get(P.purlDerived) !== "true") pkg.purl = native.purl;
  for (const [name, value] of properties) {
    if (!name.startsWith(FIELD_PREFIX)) continue;
    const key = name.slice(FIELD_PREFIX.length);
    if (KNOWN_FIELDS.has(key) || key === "__proto__") continue;
    try {
      (pkg as unknown as Record<string, unknown>)[key] = JSON.parse(value);
    } catch {
      bad(name, "is not JSON");
    }
  }
  return pkg;
}

/** Every string field of the OS as "portcullis:os:<field>", so OperatingSystem reads back equal. */
export function osProperties(os: OperatingSystem): Property[] {
  const out: Property[] = [];
  for (const [key, value] of Object.entries(os)) {
    if (typeof value === "string") out.push({ name: `${OS_PREFIX}${key}`, value });
    else if (value !== undefined) out.push({ name: `${FIELD_PREFIX}${key}`, value: JSON.stringify(value) });
  }
  return out;
}

/** The OS written by osProperties; undefined when the properties are not ours. */
export function osFromProperties(properties: ReadonlyMap<string, string>): OperatingSystem | undefined {
  const family = properties.get(`${OS_PREFIX}family`);
  if (family === undefined) return undefined;
  const os: Record<string, unknown> = {};
  for (const [name, value] of properties) {
    if (name.startsWith(OS_PREFIX)) {
      const key = name.slice(OS_PREFIX.length);
      if (key !== "__proto__") os[key] = value;
    } else if (name.startsWith(FIELD_PREFIX)) {
      const key = name.slice(FIELD_PREFIX.length);
      if (key === "__proto__") continue;
      try {
        os[key] = JSON.parse(value);
      } catch {
        throw new SourceError(`operating system: property ${name} is not JSON`);
      }
    }
  }
  return os as unknown as OperatingSystem;
}

/** Name → value; the first of repeated names wins. */
export function propertyMap(properties: readonly Property[] | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const { name, value } of properties ?? []) if (!map.has(name)) map.set(name, value);
  return map;
}

function parseStringArray(text: string, fail: () => never): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail();
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) return fail();
  return value;
}

function setIfDefined<K extends "arch" | "maintainer" | "checksum" | "vendor" | "modularityLabel">(
  pkg: Package,
  key: K,
  value: string | undefined,
): void {
  if (value !== undefined) pkg[key] = value;
}
