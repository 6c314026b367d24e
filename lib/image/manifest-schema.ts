import { createHash } from "node:crypto";
import { z } from "zod";

/** The digest forms we can verify. Strict, so a digest can safely become a file name. */
export const DIGEST_PATTERN = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export function isValidDigest(digest: string): boolean {
  return DIGEST_PATTERN.test(digest);
}

/** "sha256:<hex>" of the bytes, with the algorithm of `like` (sha256 unless it says sha512). */
export function digestBytes(bytes: Buffer, like?: string): string {
  const algorithm = like?.startsWith("sha512:") ? "sha512" : "sha256";
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}

const digest = z
  .string()
  .regex(DIGEST_PATTERN, "invalid digest (expected sha256:<64 hex> or sha512:<128 hex>)");

export const platformSchema = z.looseObject({
  os: z.string(),
  architecture: z.string(),
  variant: z.string().optional(),
  "os.version": z.string().optional(),
});

export const descriptorSchema = z.looseObject({
  mediaType: z.string(),
  digest,
  size: z.number().int().nonnegative(),
  urls: z.array(z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: platformSchema.optional(),
});

export const imageManifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  annotations: z.record(z.string(), z.string()).optional(),
});

export const imageIndexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema),
  annotations: z.record(z.string(), z.string()).optional(),
});

export const imageConfigSchema = z.looseObject({
  architecture: z.string().optional(),
  os: z.string().optional(),
  variant: z.string().optional(),
  created: z.string().optional(),
  author: z.string().optional(),
  // Docker writes null for an empty config section.
  config: z.looseObject({}).nullable().optional(),
  rootfs: z.looseObject({ type: z.string(), diff_ids: z.array(digest) }),
  history: z.array(z.looseObject({})).optional(),
});

/** "layers[0].digest: invalid digest; ..." — short enough for a one-line CLI error. */
export function formatIssues(error: z.ZodError, max = 3): string {
  const parts = error.issues.slice(0, max).map((issue) => {
    const where = issue.path
      .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
      .join("");
    return where ? `${where}: ${issue.message}` : issue.message;
  });
  if (error.issues.length > max) parts.push(`(${error.issues.length - max} more)`);
  return parts.join("; ");
}
