import type { Advisory, Affected } from "../advisory.js";
import { debianEcosystem } from "./debian-releases.js";
import { NOT_AFFECTED_KEY } from "./markers.js";
import { isRecord, readDocument } from "./source-text.js";
import { type ImportItem, type ImportOptions, resolveLimits } from "./types.js";

/**
 * The Debian security tracker JSON (https://security-tracker.debian.org/tracker/data/json):
 * source package → vulnerability id → releases → {status, fixed_version, urgency, nodsa...}.
 *
 * One Advisory per vulnerability id, named as osv.dev names its Debian records
 * ("DEBIAN-CVE-2022-0456", the CVE id as alias), with one affected entry per (source package,
 * release); package names are source packages, as dpkg's `Source:` field gives them.
 *  - resolved + fixed_version: ranges [introduced 0, fixed X]
 *  - fixed_version "0": not affected (no ranges, database_specific.not_affected, markers.ts)
 *  - open / undetermined: [introduced 0] with no fix
 * `database_specific` keeps {status, urgency, nodsa, nodsa_reason} so the matcher can report
 * "will not fix" (urgency unimportant / end-of-life, nodsa) and "undetermined" as it wishes.
 * Urgency loses the tracker's trailing "*" / "**" (marks for not-yet-reviewed guesses).
 */
export async function* importDebianTracker(
  path: string,
  options?: ImportOptions,
): AsyncGenerator<ImportItem> {
  const limits = resolveLimits(options);
  const { value, mtime } = await readDocument(path, limits.maxFileBytes);
  yield* debianTrackerToAdvisories(value, path, options?.modified ?? mtime);
}

export function* debianTrackerToAdvisories(
  value: unknown,
  where: string,
  modified: string,
): Generator<ImportItem> {
  if (!isRecord(value)) {
    yield { warning: `${where}: skipped: not a Debian tracker document` };
    return;
  }
  const byId = new Map<string, Advisory>();
  const unknownReleases = new Set<string>();
  for (const [pkg, vulns] of Object.entries(value)) {
    if (!isRecord(vulns)) {
      yield { warning: `${where}: ${pkg}: skipped: not a mapping of vulnerabilities` };
      continue;
    }
    for (const [vulnId, entry] of Object.entries(vulns)) {
      if (!isRecord(entry)) {
        yield { warning: `${where}: ${pkg} ${vulnId}: skipped: not an object` };
        continue;
      }
      const releases = isRecord(entry.releases) ? entry.releases : {};
      const affected: Affected[] = [];
      for (const [codename, release] of Object.entries(releases)) {
        const ecosystem = debianEcosystem(codename);
        if (!ecosystem) {
          unknownReleases.add(codename);
          continue;
        }
        if (!isRecord(release) || typeof release.status !== "string") {
          yield { warning: `${where}: ${pkg} ${vulnId} ${codename}: skipped: no status` };
          continue;
        }
        if (release.status === "resolved" && typeof release.fixed_version !== "string") {
          yield {
            warning: `${where}: ${pkg} ${vulnId} ${codename}: skipped: resolved without fixed_version`,
          };
          continue;
        }
        affected.push(toAffected(pkg, ecosystem, release));
      }
      if (affected.length === 0) continue;
      let advisory = byId.get(vulnId);
      if (!advisory) {
        advisory = {
          id: `DEBIAN-${vulnId}`,
          modified,
          ...(/^CVE-\d+-\d+$/.test(vulnId) ? { aliases: [vulnId] } : {}),
          database_specific: { source: "debian-security-tracker" },
        };
        byId.set(vulnId, advisory);
      }
      if (!advisory.details && typeof entry.description === "string") advisory.details = entry.description;
      advisory.affected = [...(advisory.affected ?? []), ...affected];
    }
  }
  if (unknownReleases.size > 0) {
    yield { warning: `${where}: skipped unknown Debian releases: ${[...unknownReleases].sort().join(", ")}` };
  }
  for (const advisory of byId.values()) yield { advisory };
}

function toAffected(pkg: string, ecosystem: string, release: Record<string, unknown>): Affected {
  const status = release.status as string;
  const specific: Record<string, unknown> = { status };
  if (typeof release.urgency === "string") specific.urgency = release.urgency.replace(/\*+$/, "");
  if (release.nodsa !== undefined) specific.nodsa = release.nodsa;
  if (release.nodsa_reason !== undefined) specific.nodsa_reason = release.nodsa_reason;
  const fixed = typeof release.fixed_version === "string" ? release.fixed_version.trim() : "";
  const base = { package: { ecosystem, name: pkg } };
  if (fixed === "0") return { ...base, database_specific: { ...specific, [NOT_AFFECTED_KEY]: true } };
  const events =
    status === "resolved" && fixed !== "" ? [{ introduced: "0" }, { fixed }] : [{ introduced: "0" }];
  return { ...base, ranges: [{ type: "ECOSYSTEM", events }], database_specific: specific };
}
