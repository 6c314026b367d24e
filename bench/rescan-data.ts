import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { OperatingSystem, Package } from "../lib/inventory/package.js";
import { writeCycloneDx } from "../lib/inventory/sbom/cyclonedx-writer.js";
import { SCAN_REPORT_SCHEMA_VERSION, type ScanReport } from "../lib/report/scan-report.js";
import type { Advisory } from "../lib/vulndb/advisory.js";
import { importSource } from "../lib/vulndb/importers/index.js";
import { mulberry32 } from "./generate-image.js";

/** Bump when the generated SBOMs change, so a stale cache is regenerated. */
const GENERATION = 2;

type Candidate = { name: string; version: string; affected?: boolean };

/** Share of advisory-named packages at a vulnerable version: real images have tens to hundreds of findings. */
const VULNERABLE_SHARE = 0.1;

/** Real Debian/Ubuntu source packages (binary name = source, or lib<source><n>), common in images. */
const DEB_SOURCES = (
  "glibc openssl zlib curl systemd util-linux coreutils bash tar gzip xz-utils bzip2 libxml2 libxslt " +
  "sqlite3 pcre2 pcre3 expat libgcrypt20 gnutls28 nettle libtasn1-6 p11-kit krb5 openldap cyrus-sasl2 " +
  "libssh2 nghttp2 libidn2 libpsl rtmpdump e2fsprogs shadow pam libcap2 libseccomp apt dpkg perl python3.11 " +
  "ncurses readline libffi gmp mpfr4 libzstd lz4 libsemanage libselinux audit sed grep findutils diffutils " +
  "debianutils base-files tzdata ca-certificates gnupg2 libgpg-error libassuan npth libksba sensible-utils " +
  "procps hostname login mawk libunistring icu libpng1.6 libjpeg-turbo tiff freetype fontconfig harfbuzz " +
  "cairo pixman libx11 libxext libxrender giflib libwebp imagemagick git subversion less vim nano wget " +
  "libedit libbsd libmd keyutils libtirpc libnsl db5.3 gdbm libsepol acl attr libcap-ng libxcrypt"
).split(" ");

/** Stored image count and components per SBOM (inclusive). */
export const IMAGES = 2_000;
const MIN_COMPONENTS = 100;
const MAX_COMPONENTS = 800;

export interface GeneratedImage {
  imageKey: string;
  sbomKey: string;
}

/**
 * 2,000 CycloneDX SBOMs as the scan worker writes them: a third each Debian 12, Ubuntu 22.04 and
 * Alpine 3.11, each with OS packages plus npm, PyPI and Maven packages, 100–800 components.
 * Language and Alpine names and versions come from the real advisories, so matching finds hits.
 */
export async function generateSboms(dir: string, data: string): Promise<GeneratedImage[]> {
  const manifestFile = join(dir, "manifest.json");
  const cached = await readFile(manifestFile, "utf8").catch(() => undefined);
  if (cached) {
    const manifest = JSON.parse(cached) as { generation: number; images: GeneratedImage[] };
    if (manifest.generation === GENERATION && manifest.images.length === IMAGES) return manifest.images;
  }
  const pools = await candidatePools(data);
  const random = mulberry32(8);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const pickVersion = (pool: readonly Candidate[]): Candidate => {
    const want = random() < VULNERABLE_SHARE;
    for (let tries = 0; tries < 8; tries++) {
      const c = pick(pool);
      if (Boolean(c.affected) === want) return c;
    }
    return pick(pool);
  };
  const images: GeneratedImage[] = [];
  for (let i = 0; i < IMAGES; i++) {
    const distro = (["debian", "ubuntu", "alpine"] as const)[i % 3] as "debian" | "ubuntu" | "alpine";
    const total = MIN_COMPONENTS + Math.floor(random() * (MAX_COMPONENTS - MIN_COMPONENTS + 1));
    const osCount = Math.min(total, 30 + Math.floor(random() * 150));
    const layer = { index: 0, diffID: `sha256:${"1".repeat(64)}`, digest: `sha256:${"2".repeat(64)}` };
    const packages: Package[] = [];
    const seen = new Set<string>();
    const push = (pkg: Omit<Package, "layer">) => {
      const key = `${pkg.ecosystem}/${pkg.name}`;
      if (seen.has(key)) return;
      seen.add(key);
      packages.push({ ...pkg, layer });
    };
    for (let n = 0; packages.length < osCount && n < osCount * 4; n++) {
      if (distro === "alpine") {
        const c = pickVersion(pools.alpine);
        push({
          ecosystem: "apk",
          name: c.name,
          version: c.version,
          source: { name: c.name },
          foundIn: "lib/apk/db/installed",
        });
      } else {
        const source = pick(DEB_SOURCES);
        const binary =
          random() < 0.5 ? source : `lib${source.replace(/[0-9.]+$/, "")}${Math.floor(random() * 3)}`;
        const version = `${1 + Math.floor(random() * 4)}.${Math.floor(random() * 20)}.${Math.floor(random() * 9)}-${1 + Math.floor(random() * 3)}`;
        push({
          ecosystem: "deb",
          name: binary,
          version,
          source: { name: source, version },
          foundIn: "var/lib/dpkg/status",
        });
      }
    }
    for (let n = 0; packages.length < total && n < total * 4; n++) {
      const r = random();
      if (r < 0.45) {
        const c =
          random() < 0.3
            ? pick(pools.npm)
            : { name: `bench-npm-${Math.floor(random() * 5000)}`, version: "1.0.0" };
        push({
          ecosystem: "npm",
          name: c.name,
          version: c.version,
          foundIn: `app/node_modules/${c.name}/package.json`,
        });
      } else if (r < 0.8) {
        const c = pickVersion(pools.pypi);
        push({
          ecosystem: "pypi",
          name: c.name,
          version: c.version,
          foundIn: `usr/lib/python3/site-packages/${c.name}.dist-info/METADATA`,
        });
      } else {
        const c =
          random() < 0.3
            ? pick(pools.maven)
            : { name: `org.bench:lib-${Math.floor(random() * 3000)}`, version: "2.1.0" };
        push({ ecosystem: "maven", name: c.name, version: c.version, foundIn: "app/app.jar" });
      }
    }
    const digest = `sha256:${i.toString(16).padStart(64, "0")}`;
    const repository = `team-${i % 40}/service-${i % 200}`;
    const imageKey = `ecr#111122223333#eu-west-1#${repository}@${digest}`;
    const sbomKey = `sboms/${i}.cdx.json`;
    await writeFile(
      join(dir, `${i}.cdx.json`),
      writeCycloneDx(report(repository, digest, OS[distro], packages)),
    );
    images.push({ imageKey, sbomKey });
  }
  await writeFile(manifestFile, JSON.stringify({ generation: GENERATION, images }));
  return images;
}

const OS: Record<"debian" | "ubuntu" | "alpine", OperatingSystem> = {
  debian: { family: "debian", name: "Debian GNU/Linux", versionId: "12", release: "12" },
  ubuntu: { family: "ubuntu", name: "Ubuntu", versionId: "22.04", release: "22.04" },
  alpine: { family: "alpine", name: "Alpine Linux", versionId: "3.11.6", release: "3.11" },
};

function report(repository: string, digest: string, os: OperatingSystem, packages: Package[]): ScanReport {
  return {
    schemaVersion: SCAN_REPORT_SCHEMA_VERSION,
    tool: { name: "portcullis", version: "bench" },
    createdAt: "2026-01-01T00:00:00.000Z",
    durationMs: 0,
    artifact: {
      name: `111122223333.dkr.ecr.eu-west-1.amazonaws.com/${repository}@${digest}`,
      source: "registry",
      digest,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      platform: { os: "linux", architecture: "amd64" },
      configDigest: `sha256:${"3".repeat(64)}`,
      layers: [],
    },
    os,
    packages,
    warnings: [],
  };
}

async function candidatePools(
  data: string,
): Promise<Record<"alpine" | "npm" | "pypi" | "maven", Candidate[]>> {
  const pools = {
    alpine: [] as Candidate[],
    npm: [] as Candidate[],
    pypi: [] as Candidate[],
    maven: [] as Candidate[],
  };
  const add = (advisory: Advisory | undefined) => {
    for (const affected of advisory?.affected ?? []) {
      const eco = affected.package?.ecosystem ?? "";
      const pool = eco.startsWith("Alpine:v3.11")
        ? pools.alpine
        : eco === "npm"
          ? pools.npm
          : eco === "PyPI"
            ? pools.pypi
            : eco === "Maven"
              ? pools.maven
              : undefined;
      const name = affected.package?.name;
      if (!pool || !name) continue;
      for (const range of affected.ranges ?? []) {
        for (const event of range.events) {
          const version =
            "introduced" in event ? event.introduced : "fixed" in event ? event.fixed : undefined;
          if (version && version !== "0") pool.push({ name, version });
        }
      }
    }
  };
  for (const path of ["osv/pypi.jsonl.gz", "osv/ghsa-sample", "secdb/alpine-v3.11-main.yaml"]) {
    for await (const item of importSource(join(data, path))) add(item.advisory);
  }
  // The samples have few npm and Maven records; a fallback keeps each pool usable.
  if (pools.npm.length === 0) pools.npm.push({ name: "lodash", version: "4.17.20" });
  if (pools.maven.length === 0)
    pools.maven.push({ name: "org.apache.logging.log4j:log4j-core", version: "2.14.1" });
  return pools;
}

export async function ensureDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}
