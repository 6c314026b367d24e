import type { SecretMatch } from "../types.js";
import { shannonEntropy } from "./entropy.js";
import { type KeywordHits, KeywordIndex } from "./keyword-index.js";
import { fingerprintSecret, maskSecret } from "./mask.js";
import { SECRET_RULES, type SecretRule } from "./rules.js";

/** Matches kept per rule and per text: a generated or hostile file cannot flood the report. */
export const MAX_MATCHES_PER_RULE = 50;
export const MAX_MATCHES_PER_TEXT = 200;

interface Candidate {
  rule: SecretRule;
  priority: number;
  start: number;
  end: number;
  value: string;
}

/** One index per rule list: built once, reused for every file. */
const INDEXES = new WeakMap<readonly SecretRule[], KeywordIndex>();

function indexFor(rules: readonly SecretRule[]): KeywordIndex {
  let index = INDEXES.get(rules);
  if (!index) {
    index = new KeywordIndex(rules.flatMap((r) => r.keywords));
    INDEXES.set(rules, index);
  }
  return index;
}

/**
 * Every credential in `text`, masked, in text order. Pure. A rule's regex runs only when the text
 * contains one of its keywords, ignoring case (one pass finds all keywords); where matches of two
 * rules overlap, the more specific rule (earlier in SECRET_RULES) wins, and one rule reports one
 * value once per line.
 */
export function findSecrets(text: string, rules: readonly SecretRule[] = SECRET_RULES): SecretMatch[] {
  if (text.length === 0) return [];
  const hits = indexFor(rules).scan(text);
  if (hits.size === 0) return [];
  const candidates: Candidate[] = [];
  rules.forEach((rule, priority) => {
    if (rule.keywords.some((k) => hits.has(k))) collect(rule, priority, text, hits, candidates);
  });
  if (candidates.length === 0) return [];
  return report(pickNonOverlapping(candidates), text);
}

function collect(
  rule: SecretRule,
  priority: number,
  text: string,
  hits: KeywordHits,
  out: Candidate[],
): void {
  let kept = 0;
  for (const m of matches(rule, text, hits)) {
    const raw = m.groups?.secret;
    if (!raw) continue;
    const secret = raw.trim();
    if (rule.allow?.includes(secret)) continue;
    if (rule.minEntropy !== undefined && shannonEntropy(secret) < rule.minEntropy) continue;
    if (rule.verify && !rule.verify(secret, m)) continue;
    out.push({
      rule,
      priority,
      start: m.index,
      end: m.index + m[0].length,
      value: rule.canonical ? rule.canonical(secret) : secret,
    });
    if (++kept >= MAX_MATCHES_PER_RULE) break;
  }
}

/** The rule's matches, left to right, none overlapping the previous one. */
function* matches(rule: SecretRule, text: string, hits: KeywordHits): Generator<RegExpExecArray> {
  if (rule.anchored) {
    const sticky = new RegExp(rule.regex.source, `${rule.regex.flags.replace("g", "")}y`);
    let consumed = 0;
    const offsets = hits.offsetsOf(rule.keywords);
    for (let i = 0; i < offsets.length; i++) {
      const at = offsets[i] as number;
      if (at < consumed) continue;
      sticky.lastIndex = at;
      const m = sticky.exec(text);
      if (m === null) continue;
      consumed = at + Math.max(1, m[0].length);
      yield m;
    }
    return;
  }
  const regex = new RegExp(rule.regex.source, rule.regex.flags);
  for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
    if (m[0].length === 0) regex.lastIndex += 1;
    yield m;
  }
}

/** Specific rules first; a match overlapping one already kept is the same secret seen twice. */
function pickNonOverlapping(candidates: Candidate[]): Candidate[] {
  const byPriority = [...candidates].sort((a, b) => a.priority - b.priority || a.start - b.start);
  const kept: Candidate[] = [];
  for (const c of byPriority) {
    if (kept.some((k) => c.start < k.end && k.start < c.end)) continue;
    kept.push(c);
  }
  return kept.sort((a, b) => a.start - b.start);
}

function report(candidates: Candidate[], text: string): SecretMatch[] {
  const out: SecretMatch[] = [];
  const reported = new Set<string>();
  let line = 1;
  let at = 0;
  for (const c of candidates) {
    line += countNewlines(text, at, c.start);
    at = c.start;
    const fingerprint = fingerprintSecret(c.value);
    const key = `${c.rule.id}\n${line}\n${fingerprint}`;
    if (reported.has(key)) continue;
    reported.add(key);
    out.push({
      ruleId: c.rule.id,
      category: c.rule.category,
      title: c.rule.title,
      severity: c.rule.severity,
      line,
      match: maskSecret(c.value),
      fingerprint,
    });
    if (out.length >= MAX_MATCHES_PER_TEXT) break;
  }
  return out;
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf("\n", from); i !== -1 && i < to; i = text.indexOf("\n", i + 1)) n += 1;
  return n;
}
