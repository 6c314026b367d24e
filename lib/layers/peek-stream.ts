import { Readable } from "node:stream";

/**
 * Reads at least `n` bytes (or all there is) from `source` and returns them together with a stream
 * that yields the whole content again, so compression can be sniffed without buffering the blob.
 */
export async function peekStream(source: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const seen: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < n) {
    const step = await iterator.next();
    if (step.done) {
      done = true;
      break;
    }
    seen.push(step.value);
    length += step.value.length;
  }
  const head = Buffer.concat(seen);
  async function* replay(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (done) return;
    for (;;) {
      const step = await iterator.next();
      if (step.done) return;
      yield step.value;
    }
  }
  const stream = Readable.from(replay(), { objectMode: false, highWaterMark: 1024 * 1024 });
  stream.on("close", () => {
    if (!source.destroyed) source.destroy();
  });
  return { head, stream };
}
