import { FileRandomAccess, type RandomAccess } from "../../analyzers/random-access.js";
import { VulnDbError } from "./errors.js";
import { HEADER_LENGTH } from "./format.js";

/**
 * Positional reads of the DB file wherever it lives: local disk, any HTTP server that honours
 * Range (S3 presigned URLs included); an S3 SDK adapter only has to implement this too.
 */
export interface RangeSource extends RandomAccess {
  close?(): Promise<void>;
}

/** A local DB file; the caller closes it (VulnDb.close does). */
export function openFileRangeSource(path: string): Promise<RangeSource> {
  return FileRandomAccess.open(path).catch((err: unknown) => {
    throw new VulnDbError(`cannot open vulnerability DB ${path}`, { cause: err });
  });
}

export interface HttpRangeSourceOptions {
  /** Extra request headers (never logged); a presigned URL needs none. */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  /** Bytes fetched by the first request, which also learns the size: at least the header. */
  prefetch?: number;
}

/** "bytes 0-255/12345" → its three numbers; "*" sizes are refused (we need the total). */
function parseContentRange(value: string | null): { start: number; end: number; total: number } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(value?.trim() ?? "");
  if (!match) return undefined;
  return { start: Number(match[1]), end: Number(match[2]), total: Number(match[3]) };
}

function describe(url: URL): string {
  // The query string of a presigned URL is a credential: never put it in a message.
  return `${url.origin}${url.pathname}`;
}

/**
 * HTTP range GETs. Only GET is used (a presigned GET URL does not allow HEAD); the first request
 * learns the size from Content-Range. A server that ignores Range (200) is refused rather than
 * downloaded whole, and a changed ETag or size mid-session (the object was replaced) is an error.
 */
export class HttpRangeSource implements RangeSource {
  private constructor(
    private readonly url: URL,
    private readonly options: HttpRangeSourceOptions,
    readonly size: number,
    private readonly etag: string | null,
    private readonly head: Buffer,
  ) {}

  static async open(url: string | URL, options: HttpRangeSourceOptions = {}): Promise<HttpRangeSource> {
    const target = new URL(url);
    const prefetch = Math.max(options.prefetch ?? HEADER_LENGTH, 1);
    const response = await HttpRangeSource.get(target, options, 0, prefetch - 1);
    const range = parseContentRange(response.headers.get("content-range"));
    if (range?.start !== 0) {
      await response.body?.cancel();
      throw new VulnDbError(`${describe(target)}: missing or malformed Content-Range`);
    }
    const head = await HttpRangeSource.body(target, response);
    if (head.length !== range.end - range.start + 1) {
      throw new VulnDbError(`${describe(target)}: short response body`);
    }
    return new HttpRangeSource(target, options, range.total, response.headers.get("etag"), head);
  }

  private static async get(url: URL, options: HttpRangeSourceOptions, start: number, end: number) {
    const doFetch = options.fetch ?? fetch;
    let response: Response;
    try {
      response = await doFetch(url, { headers: { ...options.headers, Range: `bytes=${start}-${end}` } });
    } catch (err) {
      throw new VulnDbError(`${describe(url)}: request failed`, { cause: err });
    }
    if (response.status !== 206) {
      await response.body?.cancel();
      const why = response.status === 200 ? "the server ignored the Range header" : `HTTP ${response.status}`;
      throw new VulnDbError(`${describe(url)}: ranged GET bytes=${start}-${end} failed: ${why}`);
    }
    return response;
  }

  private static async body(url: URL, response: Response): Promise<Buffer> {
    try {
      return Buffer.from(await response.arrayBuffer());
    } catch (err) {
      throw new VulnDbError(`${describe(url)}: response body failed`, { cause: err });
    }
  }

  async read(offset: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new RangeError(`invalid read of ${length} bytes at ${offset}`);
    }
    if (offset + length > this.size) {
      throw new RangeError(`read of ${length} bytes at ${offset} runs past the end (${this.size} bytes)`);
    }
    if (length === 0) return Buffer.alloc(0);
    if (offset + length <= this.head.length) return this.head.subarray(offset, offset + length);
    const end = offset + length - 1;
    const response = await HttpRangeSource.get(this.url, this.options, offset, end);
    const range = parseContentRange(response.headers.get("content-range"));
    const etag = response.headers.get("etag");
    if (!range || range.start !== offset || range.end !== end || range.total !== this.size) {
      await response.body?.cancel();
      throw new VulnDbError(`${describe(this.url)}: Content-Range does not match bytes=${offset}-${end}`);
    }
    if (this.etag && etag && etag !== this.etag) {
      await response.body?.cancel();
      throw new VulnDbError(`${describe(this.url)}: the DB file changed while it was open (ETag)`);
    }
    const body = await HttpRangeSource.body(this.url, response);
    if (body.length !== length) throw new VulnDbError(`${describe(this.url)}: short response body`);
    return body;
  }

  async close(): Promise<void> {}
}
