import { open } from "node:fs/promises";

/** Bytes that can be read at any offset without holding them all: a buffer or a (spilled) file. */
export interface RandomAccess {
  readonly size: number;
  /**
   * Up to `length` bytes at `offset`; fewer at the end of the data, none outside it. Never throws
   * for out-of-range requests, so parsers only ever check the length they got.
   */
  read(offset: number, length: number): Promise<Buffer>;
}

/** A file opened for random access; `close` must be called (see `withFileRandomAccess`). */
export interface FileRandomAccess extends RandomAccess {
  close(): Promise<void>;
}

/** Clamps a request to [0, size): big binaries are read piecewise, never past their end. */
export function clampRead(size: number, offset: number, length: number): { start: number; end: number } {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length <= 0) {
    return { start: 0, end: 0 };
  }
  const start = Math.min(offset, size);
  return { start, end: Math.min(size, start + length) };
}

export function bufferRandomAccess(buf: Buffer): RandomAccess {
  return {
    size: buf.length,
    read: async (offset, length) => {
      const { start, end } = clampRead(buf.length, offset, length);
      return buf.subarray(start, end);
    },
  };
}

export async function fileRandomAccess(path: string): Promise<FileRandomAccess> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    return {
      size,
      read: async (offset, length) => {
        const { start, end } = clampRead(size, offset, length);
        const buf = Buffer.alloc(end - start);
        let filled = 0;
        while (filled < buf.length) {
          const { bytesRead } = await handle.read(buf, filled, buf.length - filled, start + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return filled === buf.length ? buf : buf.subarray(0, filled);
      },
      close: () => handle.close(),
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Opens `path`, runs `use` on it and closes it, whatever `use` does. */
export async function withFileRandomAccess<T>(
  path: string,
  use: (file: RandomAccess) => Promise<T>,
): Promise<T> {
  const file = await fileRandomAccess(path);
  try {
    return await use(file);
  } finally {
    await file.close();
  }
}
