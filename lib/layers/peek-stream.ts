import { Readable } from "node:stream";

/**
 * Reads at least `n` bytes (or all there is) from `source` and puts them back with unshift, so
 * compression can be sniffed without buffering the blob or wrapping the stream.
 */
export function peekStream(source: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const cleanup = () => {
      source.off("readable", onReadable);
      source.off("end", onEnd);
      source.off("error", onError);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onEnd = () => {
      cleanup();
      // The source is spent; hand back what it had as a fresh stream.
      const head = Buffer.concat(chunks);
      resolve({ head, stream: Readable.from([head]) });
    };
    const onReadable = () => {
      let chunk: Buffer | null = source.read();
      while (chunk !== null) {
        chunks.push(chunk);
        length += chunk.length;
        if (length >= n) break;
        chunk = source.read();
      }
      if (length >= n) {
        cleanup();
        const head = Buffer.concat(chunks);
        source.unshift(head);
        resolve({ head, stream: source });
      }
    };
    source.on("readable", onReadable);
    source.on("end", onEnd);
    source.on("error", onError);
  });
}
