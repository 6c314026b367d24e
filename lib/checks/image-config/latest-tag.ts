import { DEFAULT_TAG, parseReference } from "../../image/reference.js";
import type { MisconfigurationFinding } from "../types.js";
import type { CheckContext } from "./input.js";

export const LATEST_TAG_ID = "PCIMG-009";

/** Written by BuildKit (and docker buildx) to record the FROM image of the final stage. */
export const BASE_NAME_LABEL = "org.opencontainers.image.base.name";

/**
 * True when the reference names a moving target: tag "latest", or no tag (which means latest).
 * A digest pins the content whatever the tag says. Names that are not image references (an OCI
 * layout directory, a docker archive file) say nothing about tags, so they never count.
 */
export function isLatestStyle(reference: string): boolean {
  try {
    const parsed = parseReference(reference.replace(/^docker:\/\//, ""));
    return parsed.digest === undefined && parsed.tag === DEFAULT_TAG;
  } catch {
    return false;
  }
}

export function checkLatestTag({ config, reference }: CheckContext): MisconfigurationFinding | undefined {
  const evidence: string[] = [];
  const subjects: string[] = [];
  if (reference !== undefined && reference.trim() !== "" && isLatestStyle(reference.trim())) {
    evidence.push(`image reference: ${reference.trim()}`);
    subjects.push(`the image reference ${reference.trim()}`);
  }
  const base = config.config?.Labels?.[BASE_NAME_LABEL]?.trim();
  if (base !== undefined && base !== "" && isLatestStyle(base)) {
    evidence.push(`base image (${BASE_NAME_LABEL}): ${base}`);
    subjects.push(`the base image ${base}`);
  }
  const subject = subjects.join(" and ");
  if (subject === "") return undefined;
  return {
    id: LATEST_TAG_ID,
    title: "Image or base image uses the latest tag",
    severity: "MEDIUM",
    message: `${subject.charAt(0).toUpperCase()}${subject.slice(1)} use${subjects.length === 1 ? "s" : ""} a "latest" or missing tag, which points at different content over time: builds and deployments are not reproducible.`,
    remediation:
      "Pin images to an explicit version tag, and better to a digest (FROM node:20.18.0-bookworm-slim@sha256:…); update the pin deliberately, e.g. with Renovate or Dependabot.",
    evidence,
  };
}
