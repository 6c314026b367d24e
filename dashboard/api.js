// The dashboard API client: where the API is and how to authenticate come from config.json, so the
// same files work from `portcullis serve` (no auth) and behind CloudFront with Cognito.
import { forgetToken, idToken, startLogin } from "./auth.js";

let config = { apiBase: "/api", auth: null };
let token = null;

export class ApiError extends Error {
  name = "ApiError";
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function initApi() {
  const res = await fetch("config.json", { cache: "no-cache" });
  if (!res.ok) throw new ApiError(res.status, `config.json: ${res.status}`);
  config = await res.json();
  if (config.auth) token = await idToken(config.auth);
}

/** Absolute URL of an API path; empty, false and undefined query values are left out. */
export function apiUrl(path, query = {}) {
  const url = new URL(`${config.apiBase.replace(/\/$/, "")}${path}`, location.href);
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "" || value === false) continue;
    url.searchParams.set(name, String(value));
  }
  return url.href;
}

export async function getJson(path, query = {}, signal) {
  const res = await authorizedFetch(apiUrl(path, query), signal);
  return res.json();
}

/** Whether plain links can reach the API (no bearer token to add). */
export const linksNeedAuth = () => Boolean(config.auth);

/** Saves what an API URL answers (an export or a download) when a plain link cannot carry the token. */
export async function saveAuthorized(url, filename) {
  const blob = await (await authorizedFetch(url)).blob();
  const href = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement("a"), { href, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

async function authorizedFetch(url, signal) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const res = await fetch(url, { headers, signal });
  if (res.status === 401 && config.auth) {
    forgetToken();
    await startLogin(config.auth);
  }
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      message = (await res.json()).error ?? message;
    } catch {}
    throw new ApiError(res.status, message);
  }
  return res;
}
