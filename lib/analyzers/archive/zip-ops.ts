import type { RandomAccess, SyncRandomAccess } from "../random-access.js";

export interface ReadRequest {
  offset: number;
  length: number;
}

/**
 * A ZIP operation written as a generator that yields the reads it needs. `Analyzer.analyze` is
 * synchronous over bytes in memory while `analyzeFile` reads a spilled file asynchronously: the
 * same parsing code serves both, through `runSync` and `runAsync`.
 */
export type ZipOp<T> = Generator<ReadRequest, T, Buffer>;

export function runSync<T>(op: ZipOp<T>, source: SyncRandomAccess): T {
  let step = op.next();
  while (!step.done) {
    let bytes: Buffer;
    try {
      bytes = source.readSync(step.value.offset, step.value.length);
    } catch (err) {
      // Thrown into the operation, so its own try/catch decides what a failed read spoils.
      step = op.throw(err);
      continue;
    }
    step = op.next(bytes);
  }
  return step.value;
}

export async function runAsync<T>(op: ZipOp<T>, source: RandomAccess): Promise<T> {
  let step = op.next();
  while (!step.done) {
    let bytes: Buffer;
    try {
      bytes = await source.read(step.value.offset, step.value.length);
    } catch (err) {
      step = op.throw(err);
      continue;
    }
    step = op.next(bytes);
  }
  return step.value;
}

/** Runs an operation on a window of the source starting at `base` (a stored nested archive). */
export function* within<T>(op: ZipOp<T>, base: number): ZipOp<T> {
  let step = op.next();
  while (!step.done) {
    let bytes: Buffer;
    try {
      bytes = yield { offset: base + step.value.offset, length: step.value.length };
    } catch (err) {
      step = op.throw(err);
      continue;
    }
    step = op.next(bytes);
  }
  return step.value;
}
