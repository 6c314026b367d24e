import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dockerConfigCredentials,
  normalizeRegistryKey,
  runCredentialHelper,
} from "../../../lib/image/registry/docker-config.js";
import type { Logger } from "../../../lib/logger.js";

function recordingLogger() {
  const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn(message, fields) {
      warnings.push({ message, ...(fields ? { fields } : {}) });
    },
    error() {},
  };
  return { logger, warnings };
}

const b64 = (s: string) => Buffer.from(s).toString("base64");

let root: string;
let binDir: string;
let env: NodeJS.ProcessEnv;

async function configDir(name: string, config: unknown): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "config.json"), typeof config === "string" ? config : JSON.stringify(config));
  return dir;
}

async function writeHelper(name: string, script: string): Promise<void> {
  const path = join(binDir, `docker-credential-${name}`);
  await writeFile(path, `#!/bin/sh\n${script}\n`);
  await chmod(path, 0o755);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "portcullis-docker-config-"));
  binDir = join(root, "bin");
  await mkdir(binDir);
  // The helper only exists on this PATH, handed over through the `env` option.
  env = { ...process.env, PATH: `${binDir}:${process.env.PATH ?? "/usr/bin:/bin"}` };
  await writeHelper(
    "test",
    [
      `echo "$@" > "${join(root, "helper-args")}"`,
      "server=$(cat)",
      `echo "$server" >> "${join(root, "helper-servers")}"`,
      'case "$server" in',
      '  "helper.example:5000") echo \'{"ServerURL":"helper.example:5000","Username":"helper-user","Secret":"helper-pass"}\' ;;',
      '  "https://index.docker.io/v1/") echo \'{"ServerURL":"https://index.docker.io/v1/","Username":"<token>","Secret":"hub-identity"}\' ;;',
      '  *) echo "credentials not found in native keychain"; exit 1 ;;',
      "esac",
    ].join("\n"),
  );
  await writeHelper("broken", 'echo "helper exploded" >&2; exit 3');
  await writeHelper("garbage", "cat > /dev/null; echo 'not json'");
  await writeHelper("slow", "sleep 5");
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("normalizeRegistryKey", () => {
  it.each([
    ["https://index.docker.io/v1/", "docker.io"],
    ["index.docker.io", "docker.io"],
    ["registry-1.docker.io", "docker.io"],
    ["docker.io", "docker.io"],
    ["https://Reg.Example:5000/v2/", "reg.example:5000"],
    ["http://localhost:5000", "localhost:5000"],
    ["ghcr.io", "ghcr.io"],
  ])("%s → %s", (key, host) => {
    expect(normalizeRegistryKey(key)).toBe(host);
  });
});

describe("dockerConfigCredentials: auths", () => {
  it("reads base64 auth, username/password and identitytoken entries under any key form", async () => {
    const dir = await configDir("auths", {
      auths: {
        "https://reg.example:5000": { auth: b64("alice:pa:ss") },
        "plain.example": { username: "bob", password: "hunter2" },
        "oauth.example": { auth: b64("carol:ignored"), identitytoken: "refresh-123" },
        "https://index.docker.io/v1/": { auth: b64("hubuser:hubpass") },
        "empty.example": {},
      },
    });
    const provider = dockerConfigCredentials({ configDir: dir });
    expect(await provider("reg.example:5000")).toEqual({ username: "alice", password: "pa:ss" });
    expect(await provider("plain.example")).toEqual({ username: "bob", password: "hunter2" });
    expect(await provider("oauth.example")).toEqual({ identityToken: "refresh-123" });
    expect(await provider("docker.io")).toEqual({ username: "hubuser", password: "hubpass" });
    expect(await provider("registry-1.docker.io")).toEqual({ username: "hubuser", password: "hubpass" });
    expect(await provider("empty.example")).toBeUndefined();
    expect(await provider("unknown.example")).toBeUndefined();
  });

  it("treats a missing file as no credentials, silently", async () => {
    const { logger, warnings } = recordingLogger();
    expect(await dockerConfigCredentials({ configDir: join(root, "nope"), logger })("x.io")).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it("warns about invalid JSON and malformed auth, without throwing", async () => {
    const { logger, warnings } = recordingLogger();
    const broken = await configDir("broken", "{ not json");
    expect(await dockerConfigCredentials({ configDir: broken, logger })("x.io")).toBeUndefined();
    const badAuth = await configDir("bad-auth", { auths: { "x.io": { auth: b64("no-colon") } } });
    expect(await dockerConfigCredentials({ configDir: badAuth, logger })("x.io")).toBeUndefined();
    expect(warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(/not valid JSON/),
      expect.stringMatching(/not base64 user:password/),
    ]);
  });
});

describe("dockerConfigCredentials: credential helpers", () => {
  it("runs credHelpers[host] with `get` and the server on stdin", async () => {
    const dir = await configDir("helpers", {
      credHelpers: { "helper.example:5000": "test", "docker.io": "test" },
      auths: { "helper.example:5000": { auth: b64("file-user:file-pass") } },
    });
    const provider = dockerConfigCredentials({ configDir: dir, env });
    expect(await provider("helper.example:5000")).toEqual({
      username: "helper-user",
      password: "helper-pass",
    });
    expect((await readFile(join(root, "helper-args"), "utf8")).trim()).toBe("get");
    // Docker Hub is asked for under its legacy URL; "<token>" marks an identity token.
    expect(await provider("docker.io")).toEqual({ identityToken: "hub-identity" });
    const servers = (await readFile(join(root, "helper-servers"), "utf8")).trim().split("\n");
    expect(servers.slice(-2)).toEqual(["helper.example:5000", "https://index.docker.io/v1/"]);
  });

  it("uses credsStore, falling back to auths when the store has nothing", async () => {
    const { logger, warnings } = recordingLogger();
    const dir = await configDir("store", {
      credsStore: "test",
      auths: { "other.example": { auth: b64("o:p") }, "helper.example:5000": {} },
    });
    const provider = dockerConfigCredentials({ configDir: dir, env, logger });
    expect(await provider("helper.example:5000")).toEqual({
      username: "helper-user",
      password: "helper-pass",
    });
    expect(await provider("other.example")).toEqual({ username: "o", password: "p" });
    expect(warnings).toEqual([]); // "credentials not found" is a normal answer
  });

  it("a failing, missing, garbled or hanging helper means no credential and a warning", async () => {
    const { logger, warnings } = recordingLogger();
    const dir = await configDir("failing", {
      credHelpers: {
        "broken.example": "broken",
        "missing.example": "does-not-exist",
        "garbage.example": "garbage",
      },
    });
    const provider = dockerConfigCredentials({ configDir: dir, env, logger });
    expect(await provider("broken.example")).toBeUndefined();
    expect(await provider("missing.example")).toBeUndefined();
    expect(await provider("garbage.example")).toBeUndefined();
    expect(warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(/helper failed/),
      expect.stringMatching(/could not be run/),
      expect.stringMatching(/invalid JSON/),
    ]);
    expect(warnings[0]?.fields).toMatchObject({ exitCode: 3, message: "helper exploded" });

    const started = Date.now();
    const slow = await runCredentialHelper("slow", "x.io", { env, logger, timeoutMs: 200 });
    expect(slow).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(warnings.at(-1)?.message).toMatch(/timed out/);
  });

  it("refuses helper names that could escape the docker-credential- prefix", async () => {
    const { logger, warnings } = recordingLogger();
    expect(await runCredentialHelper("../../bin/sh", "x.io", { env, logger })).toBeUndefined();
    expect(warnings[0]?.message).toMatch(/invalid name/);
  });
});
