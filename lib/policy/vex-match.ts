import { type ImageReference, isDigest, parseReference } from "../image/reference.js";
import { imagePackageUrl } from "../inventory/image-purl.js";
import type { VulnerabilityFinding } from "../matching/finding.js";
import type { ScanReport } from "../report/scan-report.js";
import type { VexComponent, VexStatement } from "./openvex.js";
import { parsePurl, purlMatches } from "./purl-match.js";

/** What a VEX product may name the scanned image by. */
export interface ImageIdentity {
  /** The manifest digest, and the index digest for multi-platform images. */
  digests: string[];
  /** The name part of the image purl (pkg:oci/<name>@digest). */
  purlName?: string;
  /** The reference the user named, when it is a registry reference. */
  reference?: ImageReference;
}

export function imageIdentity(artifact: ScanReport["artifact"]): ImageIdentity {
  const digests = [artifact.digest, ...(artifact.indexDigest ? [artifact.indexDigest] : [])];
  const purl = imagePackageUrl(artifact.name, artifact.digest, artifact.platform.architecture);
  const identity: ImageIdentity = { digests };
  const purlName = purl ? parsePurl(purl)?.name : undefined;
  if (purlName) identity.purlName = purlName;
  const reference = safeReference(artifact.name);
  if (reference) identity.reference = reference;
  return identity;
}

function safeReference(text: string): ImageReference | undefined {
  try {
    return parseReference(text.startsWith("docker://") ? text.slice(9) : text);
  } catch {
    return undefined;
  }
}

/** The tag written in a reference, if any; parseReference fills in "latest", which we must not assume. */
function explicitTag(text: string): string | undefined {
  const beforeDigest = text.split("@")[0] ?? "";
  const last = beforeDigest.slice(beforeDigest.lastIndexOf("/") + 1);
  const colon = last.indexOf(":");
  return colon >= 0 ? last.slice(colon + 1) : undefined;
}

/**
 * Whether one identifier names the scanned image: a bare digest, a pkg:oci purl (by digest, or by
 * name when it has no version: the purl name of a local archive is derived from its file name, so
 * the digest is what really identifies an image), or an image reference (registry and repository,
 * then the digest or the tag when the reference has one).
 */
function identifierIsImage(text: string, image: ImageIdentity): boolean {
  if (isDigest(text)) return image.digests.includes(text);
  if (text.startsWith("pkg:")) {
    const purl = parsePurl(text);
    if (purl?.type !== "oci") return false;
    return purl.version ? image.digests.includes(purl.version) : purl.name === image.purlName;
  }
  const ref = safeReference(text);
  if (!ref || !image.reference) return false;
  if (ref.registry !== image.reference.registry || ref.repository !== image.reference.repository)
    return false;
  if (ref.digest) return image.digests.includes(ref.digest);
  const tag = explicitTag(text);
  return tag === undefined || tag === image.reference.tag;
}

function identifiers(c: VexComponent): string[] {
  return [c.id, c.purl].filter((x): x is string => x !== undefined);
}

function componentIsPackage(c: VexComponent, pkg: VulnerabilityFinding["package"]): boolean {
  return identifiers(c).some((x) => x.startsWith("pkg:") && purlMatches(x, pkg.purl));
}

function namesFinding(statement: VexStatement, finding: VulnerabilityFinding): boolean {
  const ids = new Set([finding.id, ...finding.aliases].map((x) => x.toLowerCase()));
  return [statement.vulnerability.name, ...statement.vulnerability.aliases].some((x) =>
    ids.has(x.toLowerCase()),
  );
}

/**
 * A statement covers a finding when it names the flaw and one product is either the image (and,
 * when it lists subcomponents, one of them is the finding's package) or the package itself.
 */
export function statementApplies(
  statement: VexStatement,
  finding: VulnerabilityFinding,
  image: ImageIdentity,
): boolean {
  if (!namesFinding(statement, finding)) return false;
  return statement.products.some((product) => {
    if (identifiers(product).some((x) => identifierIsImage(x, image))) {
      return (
        product.subcomponents.length === 0 ||
        product.subcomponents.some((sub) => componentIsPackage(sub, finding.package))
      );
    }
    return componentIsPackage(product, finding.package);
  });
}

/**
 * The statement that decides a finding: of those that apply, the latest by timestamp (VEX is a
 * sequence of statements, each overriding the earlier); on a tie, the one read last.
 */
export function decidingStatement(
  statements: readonly VexStatement[],
  finding: VulnerabilityFinding,
  image: ImageIdentity,
): VexStatement | undefined {
  let best: VexStatement | undefined;
  let bestTime = Number.NEGATIVE_INFINITY;
  for (const statement of statements) {
    if (!statementApplies(statement, finding, image)) continue;
    const time = statement.timestamp ? Date.parse(statement.timestamp) : Number.NEGATIVE_INFINITY;
    if (best === undefined || time >= bestTime) {
      best = statement;
      bestTime = time;
    }
  }
  return best;
}

/** The suppression reason: the justification label, then the author's words when there are any. */
export function vexReason(statement: VexStatement): string {
  const label = statement.status === "fixed" ? "fixed" : (statement.justification ?? "not_affected");
  return statement.impactStatement ? `${label}: ${statement.impactStatement}` : label;
}
