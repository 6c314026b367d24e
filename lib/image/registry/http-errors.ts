import { readBodyCapped } from "./read-body.js";

/** One-line text of an error, including the cause that Node's fetch hides behind "fetch failed". */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
    return `${err.message}${cause}`;
  }
  return String(err);
}

const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * A short description of a failed response: "HTTP 404 MANIFEST_UNKNOWN: manifest unknown", using
 * the distribution error body ({errors: [{code, message}]}) when there is one.
 */
export async function describeResponse(response: Response): Promise<string> {
  let detail = "";
  try {
    const bytes = await readBodyCapped(response, MAX_ERROR_BODY_BYTES);
    const body = JSON.parse(bytes?.toString("utf8") ?? "") as {
      errors?: { code?: unknown; message?: unknown }[];
    };
    const first = Array.isArray(body.errors) ? body.errors[0] : undefined;
    if (first) {
      const code = typeof first.code === "string" ? first.code : "";
      const message = typeof first.message === "string" ? first.message : "";
      detail = [code, message].filter(Boolean).join(": ");
    }
  } catch {
    // not a distribution error body; the status says enough
  }
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  return detail ? `${status}, ${detail}` : status;
}
