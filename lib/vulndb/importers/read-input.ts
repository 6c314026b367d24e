import { createReadStream } from "node:fs";
import { open, readdir } from "node:fs/promises";
import { join } from "node:path";
import { createGunzip, gunzipSync } from "node:zlib";
import { parse as parseYamlText } from "yaml";
import { ImportError } from "./errors.js";

const GZIP_MAGIC = [0x1f, 0x8b];

export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
}

/** The first bytes of a file, for sniffing. */
export async function readHead(path: string, length = 512): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** A whole file as text, gunzipped when it is gzip, refused past `maxBytes`. */
export async function readWholeText(path: string, maxBytes: number): Promise<string> {
  const handle = await open(path, "r").catch((err: unknown) => {
    throw new ImportError(`cannot open ${path}`, { cause: err });
  });
  let raw: Buffer;
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new ImportError(`${path}: ${size} bytes exceed the cap of ${maxBytes}`);
    raw = await handle.readFile();
  } finally {
    await handle.close();
  }
  if (!isGzip(raw)) return stripBom(raw.toString("utf8"));
  try {
    return stripBom(gunzipSync(raw, { maxOutputLength: maxBytes }).toString("utf8"));
  } catch (err) {
    const tooBig = (err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE";
    throw new ImportError(
      tooBig ? `${path}: inflates past the cap of ${maxBytes} bytes` : `${path}: corrupt or truncated gzip`,
      { cause: err },
    );
  }
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * YAML with ints and floats read as strings: secdb keys such as `1.10` or `0` and bare version
 * numbers in OSV YAML must not turn into numbers (1.10 → 1.1). Booleans and null stay typed.
 */
export function parseYaml(text: string): unknown {
  return parseYamlText(text, {
    customTags: (tags) =>
      tags.filter((tag) => {
        const name = typeof tag === "string" ? tag : tag.tag;
        return name !== "tag:yaml.org,2002:int" && name !== "tag:yaml.org,2002:float";
      }),
    maxAliasCount: 100,
  });
}

export type LineItem =
  | { line: string; lineNo: number }
  | { tooLong: true; lineNo: number }
  | { error: string };

/**
 * Streams the lines of a (gzipped) text file without holding more than one line: a line longer
 * than `maxLineBytes` is skipped, not buffered. A read or inflate failure (a truncated .gz) ends
 * the stream with an `error` item after the lines read so far.
 */
export async function* streamLines(
  path: string,
  maxLineBytes: number,
  maxTotalBytes: number,
): AsyncGenerator<LineItem> {
  const head = await readHead(path, 2).catch((err: unknown) => {
    throw new ImportError(`cannot open ${path}`, { cause: err });
  });
  const file = createReadStream(path, { highWaterMark: 1024 * 1024 });
  const input = isGzip(head) ? file.pipe(createGunzip({ chunkSize: 1024 * 1024 })) : file;
  if (input !== file) file.on("error", (err) => input.destroy(err));
  let pieces: Buffer[] = [];
  let pending = 0;
  let skipping = false;
  let lineNo = 0;
  let total = 0;
  const finish = (last: Buffer): LineItem => {
    lineNo += 1;
    if (skipping) return { tooLong: true, lineNo };
    const all = pieces.length === 0 ? last : Buffer.concat([...pieces, last]);
    return { line: stripBom(all.toString("utf8")).replace(/\r$/, ""), lineNo };
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxTotalBytes) {
        yield { error: `${path}: more than ${maxTotalBytes} bytes, stopped after line ${lineNo}` };
        return;
      }
      let start = 0;
      for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
        const part = chunk.subarray(start, nl);
        if (!skipping && pending + part.length > maxLineBytes) skipping = true;
        yield finish(part);
        pieces = [];
        pending = 0;
        skipping = false;
        start = nl + 1;
      }
      const rest = chunk.subarray(start);
      if (rest.length > 0 && !skipping) {
        if (pending + rest.length > maxLineBytes) {
          skipping = true;
          pieces = [];
        } else {
          // Copied: the stream may reuse its chunk buffers.
          pieces.push(Buffer.from(rest));
          pending += rest.length;
        }
      }
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    yield { error: `${path}: read failed after line ${lineNo} (${message}): truncated or corrupt` };
    return;
  } finally {
    input.destroy();
    file.destroy();
  }
  if (pending > 0 || skipping) yield finish(Buffer.alloc(0));
}

/** Regular files under a directory, recursively, sorted; symlinks are not followed. */
export async function* walkFiles(dir: string, maxFiles: number): AsyncGenerator<string> {
  let seen = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    const entries = (await readdir(current, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? 1 : a.name > b.name ? -1 : 0,
    );
    const files: string[] = [];
    for (const entry of entries) {
      if (entry.isDirectory()) stack.push(join(current, entry.name));
      else if (entry.isFile()) files.push(join(current, entry.name));
    }
    for (const file of files.reverse()) {
      seen += 1;
      if (seen > maxFiles) throw new ImportError(`${dir}: more than ${maxFiles} files`);
      yield file;
    }
  }
}
