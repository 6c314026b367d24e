import { clampRead, type RandomAccess } from "../random-access.js";

/** One read a parser needs; the driver answers with the bytes (shorter at the end of the data). */
export interface ReadRequest {
  offset: number;
  length: number;
}

/**
 * A binary parser written once as a generator that yields reads: `runOnBytes` answers them from a
 * buffer synchronously (small files, `Analyzer.analyze`), `runOnRandomAccess` from a file
 * (spilled binaries, `Analyzer.analyzeFile`), so big files are never loaded whole.
 */
export type ByteParser<T> = Generator<ReadRequest, T, Buffer>;

/** No single read is larger, whatever a corrupt header claims: parsers see a short read instead. */
export const MAX_READ = 64 * 1024 * 1024;

export function* readAt(offset: number, length: number): ByteParser<Buffer> {
  return yield { offset, length: Math.min(length, MAX_READ) };
}

export function runOnBytes<T>(parser: ByteParser<T>, bytes: Buffer): T {
  let step = parser.next();
  while (!step.done) {
    const { start, end } = clampRead(bytes.length, step.value.offset, Math.min(step.value.length, MAX_READ));
    step = parser.next(bytes.subarray(start, end));
  }
  return step.value;
}

export async function runOnRandomAccess<T>(parser: ByteParser<T>, data: RandomAccess): Promise<T> {
  let step = parser.next();
  while (!step.done) {
    const { start, end } = clampRead(data.size, step.value.offset, Math.min(step.value.length, MAX_READ));
    step = parser.next(end > start ? await data.read(start, end - start) : Buffer.alloc(0));
  }
  return step.value;
}
