import { z } from "zod";

/**
 * Page cursors are opaque to clients: base64url of the Query's LastEvaluatedKey (or, for lists
 * merged in memory, an offset). Coming back they are untrusted input: the shape, the key names and
 * the partition they resume in are checked, so a forged cursor is a 400, never a crash or a read
 * of another partition.
 */
export class BadRequestError extends Error {
  override name = "BadRequestError";
}

const KeyCursor = z.object({ k: z.record(z.string().max(64), z.string().max(2048)) }).strict();
const OffsetCursor = z.object({ o: z.number().int().min(0).max(100_000) }).strict();

export type StartKey = Record<string, string>;

export function encodeKeyCursor(lastEvaluatedKey: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ k: lastEvaluatedKey })).toString("base64url");
}

export function encodeOffsetCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
}

function parse(cursor: string): unknown {
  if (cursor.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new BadRequestError("invalid cursor");
  try {
    return JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new BadRequestError("invalid cursor");
  }
}

/**
 * The start key a cursor names, checked against the key attributes of the list it must belong
 * to and the partition value the Query is for.
 */
export function decodeKeyCursor(
  cursor: string | undefined,
  expect: { keys: readonly string[]; partition: { name: string; value: string } },
): StartKey | undefined {
  if (cursor === undefined) return undefined;
  const parsed = KeyCursor.safeParse(parse(cursor));
  if (!parsed.success) throw new BadRequestError("invalid cursor");
  const key = parsed.data.k;
  const names = Object.keys(key).sort();
  if (names.join() !== [...expect.keys].sort().join()) throw new BadRequestError("invalid cursor");
  if (key[expect.partition.name] !== expect.partition.value) throw new BadRequestError("invalid cursor");
  return key;
}

export function decodeOffsetCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const parsed = OffsetCursor.safeParse(parse(cursor));
  if (!parsed.success) throw new BadRequestError("invalid cursor");
  return parsed.data.o;
}
