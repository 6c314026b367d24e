import type { OperatingSystem } from "../../inventory/package.js";
import type { PackageFinding } from "../types.js";

/**
 * When no release file identifies the OS (distroless images built without os-release), the
 * package that owns the release files still says which distribution and release it is.
 */
export function inferOsFromPackages(packages: readonly PackageFinding[]): OperatingSystem | undefined {
  for (const infer of INFERENCES) {
    const pkg = packages.find((p) => p.ecosystem === infer.ecosystem && p.name === infer.name);
    const os = pkg ? infer.os(pkg.version) : undefined;
    if (os) return { ...os, detectedFrom: `package ${infer.name} ${pkg?.version}` };
  }
  return undefined;
}

interface Inference {
  ecosystem: string;
  name: string;
  os(version: string): OperatingSystem | undefined;
}

const INFERENCES: readonly Inference[] = [
  {
    // Debian's base-files is versioned by the release: "12.4+deb12u5", "11.1+deb11u8", "13.8".
    ecosystem: "deb",
    name: "base-files",
    os: (version) => {
      if (/ubuntu/.test(version)) return { family: "ubuntu" };
      const match = /^(\d+)(?:\.(\d+))?/.exec(version);
      if (!match?.[1]) return undefined;
      const versionId = match[1];
      return { family: "debian", versionId, version: match[2] ? `${match[1]}.${match[2]}` : match[1] };
    },
  },
  {
    // Alpine's alpine-release package: "3.19.1-r0".
    ecosystem: "apk",
    name: "alpine-release",
    os: (version) => {
      const match = /^(\d+\.\d+(?:\.\d+)?)/.exec(version);
      return match?.[1] ? { family: "alpine", versionId: match[1] } : undefined;
    },
  },
  { ecosystem: "apk", name: "wolfi-baselayout", os: () => ({ family: "wolfi" }) },
  { ecosystem: "apk", name: "chainguard-baselayout", os: () => ({ family: "chainguard" }) },
  {
    // RHEL/UBI: redhat-release "9.3-0.5.el9" (with an epoch on some releases).
    ecosystem: "rpm",
    name: "redhat-release",
    os: (version) => releaseFromRpm("rhel", version),
  },
  { ecosystem: "rpm", name: "rocky-release", os: (version) => releaseFromRpm("rocky", version) },
  { ecosystem: "rpm", name: "almalinux-release", os: (version) => releaseFromRpm("almalinux", version) },
  { ecosystem: "rpm", name: "oraclelinux-release", os: (version) => releaseFromRpm("ol", version) },
  { ecosystem: "rpm", name: "centos-release", os: (version) => releaseFromRpm("centos", version) },
  { ecosystem: "rpm", name: "fedora-release-common", os: (version) => releaseFromRpm("fedora", version) },
  {
    // Amazon Linux: system-release "2023.3.20240108-0.amzn2023", "2-15.amzn2" / "1:2-15.amzn2".
    ecosystem: "rpm",
    name: "system-release",
    os: (version) => {
      const match = /^(?:\d+:)?(\d+)/.exec(version);
      return match?.[1] && /amzn/.test(version) ? { family: "amzn", versionId: match[1] } : undefined;
    },
  },
  { ecosystem: "rpm", name: "mariner-release", os: (version) => releaseFromRpm("cbl-mariner", version) },
  { ecosystem: "rpm", name: "azurelinux-release", os: (version) => releaseFromRpm("azurelinux", version) },
  { ecosystem: "rpm", name: "photon-release", os: (version) => releaseFromRpm("photon", version) },
];

function releaseFromRpm(family: string, version: string): OperatingSystem | undefined {
  const match = /^(?:\d+:)?(\d+(?:\.\d+)?)/.exec(version);
  return match?.[1] ? { family, versionId: match[1] } : undefined;
}
