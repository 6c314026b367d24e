import { SEVERITY_LEVELS } from "../../matching/finding.js";
import { imageKey } from "../../stores/scan-job.js";
import {
  type ChangedFinding,
  compareChangedFindings,
  emptyCounts,
  findingIdentity,
  type ImageChange,
  imageChange,
  imageName,
  type SeverityCounts,
  topFindings,
} from "../image-change.js";
import {
  advisoryUrl,
  code,
  contextBlock,
  countsText,
  escapeWithin,
  fieldsBlock,
  headerBlock,
  link,
  oneLine,
  SEVERITY_EMOJI,
  SLACK_LIMITS,
  type SlackBlock,
  type SlackMessage,
  sectionBlock,
  total,
} from "./block-kit.js";

export interface DigestWindow {
  start: Date;
  end: Date;
}

/** The interval `at` falls in, aligned to the epoch so every sender agrees on the boundaries. */
export function digestWindow(at: Date, intervalMs: number): DigestWindow {
  const start = Math.floor(at.getTime() / intervalMs) * intervalMs;
  return { start: new Date(start), end: new Date(start + intervalMs) };
}

function unique(findings: readonly ChangedFinding[]): ChangedFinding[] {
  const seen = new Map<string, ChangedFinding>();
  for (const finding of findings) seen.set(findingIdentity(finding), finding);
  return [...seen.values()];
}

/**
 * One change per image: an image scanned twice in the window (a push, then a rescan) appears once,
 * with the findings of both and the later scan's time and reason.
 */
export function mergeChanges(changes: readonly ImageChange[]): ImageChange[] {
  const byImage = new Map<string, ImageChange[]>();
  for (const change of changes) {
    const key = imageKey(change.image);
    const group = byImage.get(key);
    if (group) group.push(change);
    else byImage.set(key, [change]);
  }
  return [...byImage.values()].map((group) => {
    if (group.length === 1) return group[0] as ImageChange;
    const sorted = [...group].sort((a, b) =>
      a.scannedAt < b.scannedAt ? -1 : a.scannedAt > b.scannedAt ? 1 : 0,
    );
    const latest = sorted[sorted.length - 1] as ImageChange;
    const tags = [...new Set(sorted.flatMap((c) => c.image.tags))];
    const fresh = unique(sorted.flatMap((c) => c.newFindings));
    const gone = unique(sorted.flatMap((c) => c.resolvedFindings));
    const { counts: _, ...rest } = latest;
    return imageChange({
      ...rest,
      image: { ...latest.image, tags },
      newFindings: fresh,
      resolvedFindings: gone,
    });
  });
}

function sum(changes: readonly ImageChange[], pick: (c: ImageChange) => SeverityCounts): SeverityCounts {
  const counts = emptyCounts();
  for (const change of changes) for (const level of SEVERITY_LEVELS) counts[level] += pick(change)[level];
  return counts;
}

function worstOf(findings: readonly ChangedFinding[]): ChangedFinding | undefined {
  let worst: ChangedFinding | undefined;
  for (const finding of findings) if (!worst || compareChangedFindings(finding, worst) < 0) worst = finding;
  return worst;
}

/** Worst news first: by the most severe new finding, then by how many are new. */
function worstFirst(changes: ImageChange[]): ImageChange[] {
  // Each change's worst finding once, not once per comparison.
  const ranked = changes.map((change) => ({ change, worst: worstOf(change.newFindings) }));
  ranked.sort((a, b) => {
    if (a.worst && b.worst) {
      return (
        compareChangedFindings(a.worst, b.worst) || b.change.newFindings.length - a.change.newFindings.length
      );
    }
    if (a.worst || b.worst) return a.worst ? -1 : 1;
    return b.change.resolvedFindings.length - a.change.resolvedFindings.length;
  });
  return ranked.map((r) => r.change);
}

export interface DigestOptions {
  /** Images given a section of their own; the rest are counted in "+N more images". */
  maxImages?: number;
  /** Findings named per image. */
  findingsPerImage?: number;
}

export const DEFAULT_DIGEST_IMAGES = 20;
/** Header, totals, divider, "+N more", context. */
const FIXED_BLOCKS = 5;

function imageSection(change: ImageChange, findingsPerImage: number): SlackBlock {
  const where = `${escapeWithin(oneLine(change.image.account), 100)} · ${escapeWithin(oneLine(change.image.region), 50)}`;
  const lines = [
    `*${code(imageName(change.image), 300)}* (${where}${change.reason === "rescan" ? " · rescan" : ""})`,
  ];
  const fresh = countsText(change.counts.new);
  const gone = total(change.counts.resolved);
  lines.push(
    [fresh !== "" ? `new: ${fresh}` : "", gone > 0 ? `${gone} resolved` : ""].filter(Boolean).join(" · "),
  );
  const named = topFindings(change.newFindings, findingsPerImage).map(
    (f) => `${SEVERITY_EMOJI[f.severity]} ${link(advisoryUrl(f), f.id, 100)} ${code(f.package.name, 100)}`,
  );
  if (named.length > 0) {
    const hidden = change.newFindings.length - named.length;
    lines.push(named.join(", ") + (hidden > 0 ? ` +${hidden} more` : ""));
  }
  return sectionBlock(lines.join("\n"));
}

/** One message summarising every image change in the window, worst first, within Block Kit limits. */
export function buildDigestMessage(
  changes: readonly ImageChange[],
  window: DigestWindow,
  options: DigestOptions = {},
): SlackMessage {
  const merged = worstFirst(mergeChanges(changes));
  const maxImages = Math.max(
    0,
    Math.min(options.maxImages ?? DEFAULT_DIGEST_IMAGES, SLACK_LIMITS.blocks - FIXED_BLOCKS),
  );
  const findingsPerImage = Math.max(0, Math.min(options.findingsPerImage ?? 3, 10));
  const newTotals = sum(merged, (c) => c.counts.new);
  const resolvedTotals = sum(merged, (c) => c.counts.resolved);
  const newCount = total(newTotals);
  const resolvedCount = total(resolvedTotals);
  const title = `Portcullis digest: ${merged.length} ${merged.length === 1 ? "image" : "images"}, ${newCount} new, ${resolvedCount} resolved`;
  const blocks: SlackBlock[] = [headerBlock(title)];
  const totals = SEVERITY_LEVELS.filter((level) => newTotals[level] + resolvedTotals[level] > 0).map(
    (level) =>
      `${SEVERITY_EMOJI[level]} *${level}*\n${newTotals[level]} new · ${resolvedTotals[level]} resolved`,
  );
  if (totals.length > 0) blocks.push(fieldsBlock(totals));
  const shown = merged.slice(0, maxImages);
  if (shown.length > 0) blocks.push({ type: "divider" });
  for (const change of shown) blocks.push(imageSection(change, findingsPerImage));
  const hidden = merged.length - shown.length;
  if (hidden > 0) blocks.push(sectionBlock(`+${hidden} more ${hidden === 1 ? "image" : "images"}`));
  blocks.push(contextBlock(`Portcullis · ${window.start.toISOString()} – ${window.end.toISOString()}`));
  const fallback = `${title}${newCount > 0 ? ` (${countsText(newTotals)})` : ""}`;
  return { text: escapeWithin(fallback, SLACK_LIMITS.fallbackText), blocks };
}
