import { type FileHandle, open } from "node:fs/promises";

/** Positional reads over bytes that need not be held whole: a spilled temporary file, a buffer. */
export interface RandomAccess {
  readonly size: number;
  /** Exactly `length` bytes from `offset`; throws when the range lies outside the source. */
  read(offset: number, length: number): Promise<Buffer>;
}

/** A source that can also answer synchronously: bytes already in memory. */
export interface SyncRandomAccess extends RandomAccess {
  readSync(offset: number, length: number): Buffer;
}

/**
 * Clamps a request to [0, size): parsers of untrusted binaries ask for what a header claims and
 * get a short read instead of an error when it runs past the end.
 */
export function clampRead(size: number, offset: number, length: number): { start: number; end: number } {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length <= 0) {
    return { start: 0, end: 0 };
  }
  const start = Math.min(offset, size);
  return { start, end: Math.min(size, start + length) };
}

function checkRange(offset: number, length: number, size: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new RangeError(`invalid read of ${length} bytes at ${offset}`);
  }
  if (offset + length > size) {
    throw new RangeError(`read of ${length} bytes at ${offset} runs past the end (${size} bytes)`);
  }
}

/** Reads are views into the buffer, not copies: callers must not write to them. */
export class BufferRandomAccess implements SyncRandomAccess {
  constructor(private readonly bytes: Buffer) {}

  get size(): number {
    return this.bytes.length;
  }

  readSync(offset: number, length: number): Buffer {
    checkRange(offset, length, this.bytes.length);
    return this.bytes.subarray(offset, offset + length);
  }

  async read(offset: number, length: number): Promise<Buffer> {
    return this.readSync(offset, length);
  }
}

/** A file opened read-only; `close()` must be called (see `withFileRandomAccess`). */
export class FileRandomAccess implements RandomAccess {
  private constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  static async open(path: string): Promise<FileRandomAccess> {
    const handle = await open(path, "r");
    try {
      const { size } = await handle.stat();
      return new FileRandomAccess(handle, size);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async read(offset: number, length: number): Promise<Buffer> {
    checkRange(offset, length, this.size);
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    // A positional read may return fewer bytes than asked; zero means the file shrank under us.
    while (done < length) {
      const { bytesRead } = await this.handle.read(out, done, length - done, offset + done);
      if (bytesRead === 0)
        throw new RangeError(`file ended at ${offset + done}, expected ${this.size} bytes`);
      done += bytesRead;
    }
    return out;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** Opens a file for random access, runs `use`, and closes the file whatever happens. */
export async function withFileRandomAccess<T>(
  path: string,
  use: (source: FileRandomAccess) => Promise<T>,
): Promise<T> {
  const source = await FileRandomAccess.open(path);
  try {
    return await use(source);
  } finally {
    await source.close();
  }
}
