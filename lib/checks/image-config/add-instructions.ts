import type { MisconfigurationFinding } from "../types.js";
import { capEvidence, layerLabel, singleLayer, summarize } from "./evidence.js";
import type { HistoryStep } from "./history.js";
import type { CheckContext } from "./input.js";
import { redactCommand } from "./redact.js";

export const ADD_REMOTE_URL_ID = "PCIMG-006";
export const ADD_INSTEAD_OF_COPY_ID = "PCIMG-007";

const REMOTE = /^https?:\/\//i;
/** Classic builder and imports record a distribution's rootfs as "ADD file:<hash> in /". */
const BASE_ROOTFS_BY_HASH = /^file:[0-9a-f]{16,}\s+in\s+\/\s*$/i;

/** The ADD's sources and destination, flags (--chown, --checksum …) left out. */
function operands(step: HistoryStep): { sources: string[]; destination: string } {
  const words = step.args.split(/\s+/).filter((word) => word !== "" && !word.startsWith("--"));
  // Classic form "file:<hash> in /dest".
  const inAt = words.indexOf("in");
  if (inAt > 0 && /^[a-z]+:[0-9a-f]+$/i.test(words[0] ?? "")) {
    return { sources: words.slice(0, inAt), destination: words.slice(inAt + 1).join(" ") };
  }
  return { sources: words.slice(0, -1), destination: words.at(-1) ?? "" };
}

/**
 * Every distribution image starts with an ADD of its root filesystem: "ADD file:<hash> in /", or
 * with BuildKit "ADD rootfs.tar.xz / # buildkit" as the very first layer. That ADD is how base
 * images are made, not a Dockerfile choice the image's author can replace with COPY.
 */
function isBaseRootfs(step: HistoryStep, firstLayerStep: HistoryStep | undefined): boolean {
  if (BASE_ROOTFS_BY_HASH.test(step.args)) return true;
  if (step !== firstLayerStep) return false;
  const { sources, destination } = operands(step);
  return destination === "/" && sources.length === 1 && !REMOTE.test(sources[0] ?? "");
}

function addSteps(history: HistoryStep[]): HistoryStep[] {
  const firstLayerStep = history.find((step) => !step.emptyLayer);
  return history.filter((step) => step.instruction === "ADD" && !isBaseRootfs(step, firstLayerStep));
}

export function checkAddRemoteUrl({
  history,
  findSecrets,
}: CheckContext): MisconfigurationFinding | undefined {
  const remote = addSteps(history).filter((step) =>
    operands(step).sources.some((source) => REMOTE.test(source)),
  );
  if (remote.length === 0) return undefined;
  const urls = remote.flatMap((step) =>
    operands(step)
      .sources.filter((source) => REMOTE.test(source))
      .map((source) => redactCommand(source, findSecrets)),
  );
  const layer = singleLayer(remote.map((step) => step.layer));
  return {
    id: ADD_REMOTE_URL_ID,
    title: "ADD downloads a remote URL",
    severity: "MEDIUM",
    message: `ADD fetches ${summarize(urls)} at build time; the download is not verified unless pinned with --checksum and lands in the image as-is.`,
    remediation:
      "Download with RUN curl/wget and verify a pinned checksum (or use ADD --checksum=sha256:…), in a build stage whose result you COPY into the final image.",
    evidence: capEvidence(
      remote.map(
        (step) =>
          `history[${step.index}] (${layerLabel(step.layer)}): ADD ${redactCommand(step.args, findSecrets)}`,
      ),
    ),
    ...(layer !== undefined ? { layer } : {}),
    cis: ["4.9"],
  };
}

export function checkAddInsteadOfCopy({
  history,
  findSecrets,
}: CheckContext): MisconfigurationFinding | undefined {
  const adds = addSteps(history);
  if (adds.length === 0) return undefined;
  const layer = singleLayer(adds.map((step) => step.layer));
  return {
    id: ADD_INSTEAD_OF_COPY_ID,
    title: "ADD used instead of COPY",
    severity: "LOW",
    message: `The image was built with ${adds.length === 1 ? "an ADD instruction" : `${adds.length} ADD instructions`} (history ${summarize(adds.map((step) => `[${step.index}]`))}); ADD also fetches URLs and unpacks archives, which COPY never does.`,
    remediation:
      "Use COPY for local files; when an archive must be unpacked, COPY it and extract it in a RUN step you control.",
    evidence: capEvidence(
      adds.map(
        (step) =>
          `history[${step.index}] (${layerLabel(step.layer)}): ADD ${redactCommand(step.args, findSecrets)}`,
      ),
    ),
    ...(layer !== undefined ? { layer } : {}),
    cis: ["4.9"],
  };
}
