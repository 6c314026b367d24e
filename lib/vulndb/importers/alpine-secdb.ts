import type { Advisory, Affected } from "../advisory.js";
import { NOT_AFFECTED_KEY } from "./markers.js";
import { isRecord, readDocument } from "./source-text.js";
import { type ImportItem, type ImportOptions, resolveLimits } from "./types.js";

/**
 * Alpine secdb (secdb.alpinelinux.org/<release>/<repo>.json, and the older YAML of the
 * alpine-secdb repo): per package, fixed version → ids fixed by it.
 *
 * One Advisory per vulnerability id per file, named as osv.dev names its Alpine records
 * ("ALPINE-CVE-2021-36159", the CVE id as alias), with one affected entry per package. The
 * same id comes again from the file of every other release and repo: the DB builder merges
 * records by id by concatenating `affected` (see `mergeAffected`).
 *
 * A fix "0" means the package was never vulnerable in that release: an affected entry with no
 * ranges and `database_specific.not_affected = true` (markers.ts).
 */
export async function* importAlpineSecdb(path: string, options?: ImportOptions): AsyncGenerator<ImportItem> {
  const limits = resolveLimits(options);
  const { value, mtime } = await readDocument(path, limits.maxFileBytes);
  yield* alpineSecdbToAdvisories(value, path, options?.modified ?? mtime);
}

/** Secfix entries are "CVE-2017-8904 XSA-214" (id plus other names) or a lone "XSA-207". */
const ENTRY_ID = /^[A-Z][A-Z0-9]*-[A-Za-z0-9][A-Za-z0-9._:-]*$/;

export function* alpineSecdbToAdvisories(
  value: unknown,
  where: string,
  modified: string,
): Generator<ImportItem> {
  if (!isRecord(value)) {
    yield { warning: `${where}: skipped: not a secdb document` };
    return;
  }
  // The per-package vuln-list format is one package with distroversion beside it.
  const packages = Array.isArray(value.packages)
    ? value.packages
    : typeof value.name === "string"
      ? [{ pkg: { name: value.name, secfixes: value.secfixes } }]
      : undefined;
  const release = typeof value.distroversion === "string" ? value.distroversion.trim() : "";
  if (!packages || release === "") {
    yield { warning: `${where}: skipped: no distroversion or packages` };
    return;
  }
  const ecosystem = `Alpine:${/^\d/.test(release) ? `v${release}` : release}`;
  const repo = typeof value.reponame === "string" ? value.reponame : undefined;
  const byId = new Map<string, Advisory>();
  for (const [i, item] of packages.entries()) {
    const pkg = isRecord(item) && isRecord(item.pkg) ? item.pkg : undefined;
    const name = typeof pkg?.name === "string" ? pkg.name.trim() : "";
    if (!pkg || name === "") {
      yield { warning: `${where}: packages[${i}]: skipped: no package name` };
      continue;
    }
    if (pkg.secfixes == null) continue;
    if (!isRecord(pkg.secfixes)) {
      yield { warning: `${where}: ${name}: skipped: secfixes is not a mapping` };
      continue;
    }
    for (const [fixed, list] of Object.entries(pkg.secfixes)) {
      if (!Array.isArray(list)) {
        if (list != null) yield { warning: `${where}: ${name} ${fixed}: skipped: not a list of ids` };
        continue;
      }
      for (const entry of list) {
        // "CVE_2019-2426" is a typo in the real v3.10 file; "CVE-????-????? XSA-295" names only the XSA.
        const names = typeof entry === "string" ? entry.trim().replace(/^CVE_/, "CVE-").split(/\s+/) : [];
        const id = names.find((n) => ENTRY_ID.test(n)) ?? "";
        if (id === "") {
          yield { warning: `${where}: ${name} ${fixed}: skipped entry ${JSON.stringify(entry)}` };
          continue;
        }
        let advisory = byId.get(id);
        if (!advisory) {
          advisory = {
            id: `ALPINE-${id}`,
            modified,
            aliases: [id],
            database_specific: { source: "alpine-secdb" },
          };
          byId.set(id, advisory);
        }
        for (const other of names) {
          if (ENTRY_ID.test(other) && !advisory.aliases?.includes(other)) advisory.aliases?.push(other);
        }
        addFix(advisory, { ecosystem, name }, fixed.trim(), repo);
      }
    }
  }
  for (const advisory of byId.values()) yield { advisory };
}

function addFix(advisory: Advisory, pkg: { ecosystem: string; name: string }, fixed: string, repo?: string) {
  advisory.affected ??= [];
  const affected = advisory.affected;
  const specific = repo ? { repo } : {};
  if (fixed === "0") {
    affected.push({ package: { ...pkg }, database_specific: { ...specific, [NOT_AFFECTED_KEY]: true } });
    return;
  }
  // A package listing the id under two fixes (a regression fixed again) gets one range per fix.
  const existing = affected.find(
    (a: Affected) => a.package?.name === pkg.name && a.package.ecosystem === pkg.ecosystem && a.ranges,
  );
  const range = { type: "ECOSYSTEM" as const, events: [{ introduced: "0" }, { fixed }] };
  if (existing) existing.ranges?.push(range);
  else
    affected.push({ package: { ...pkg }, ranges: [range], ...(repo ? { database_specific: specific } : {}) });
}
