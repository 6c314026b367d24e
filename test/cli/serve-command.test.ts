import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ImageRecord } from "../../lib/aws/dynamo-findings-store.js";
import { writeOciLayout } from "../helpers/oci-builder.js";
import { alpineSample } from "../helpers/sample-images.js";
import { skopeoCopy } from "../helpers/skopeo.js";

/** `portcullis serve --registry` as users run it: the compiled CLI in a child process. */
const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = join(root, "dist/cli/main.js");
let work: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "portcullis-serve-cli-"));
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await rm(work, { recursive: true, force: true });
});

describe("portcullis serve", () => {
  it("scans an image pushed to its registry and exits 0 on SIGTERM", async () => {
    const sample = await alpineSample();
    const layout = join(work, "layout");
    await writeOciLayout(layout, { layers: sample.layers, tag: "3.18" });

    const proc = spawn(process.execPath, [cli, "serve", "--registry", "--data-dir", join(work, "data")], {
      // An empty cache: no vulnerability DB, so the scan lists packages only.
      env: { ...process.env, XDG_CACHE_HOME: join(work, "cache"), NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    let stdout = "";
    let stderr = "";
    proc.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString("utf8");
    });
    proc.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString("utf8");
    });
    const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));

    const started = await until(() => {
      const api = /API (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      const registry = /registry: (127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      return api && registry ? { api, registry } : undefined;
    }, `serve to start (stdout: ${stdout}, stderr: ${stderr})`);

    await skopeoCopy(`oci:${layout}:3.18`, `docker://${started.registry}/library/alpine:3.18`);
    const image = await until(async () => {
      const res = await fetch(`${started.api}/images`);
      const { images } = (await res.json()) as { images: ImageRecord[] };
      return images.find((i) => i.repository === "library/alpine" && i.latestScan);
    }, "the scan to be stored");
    expect(image.latestScan?.packages).toBe(sample.expectedPackages.length);
    await until(() => (stdout.includes("scanned: ") ? true : undefined), "the notification line");

    proc.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stdout).toContain("stopping");
    expect(stdout).toMatch(
      new RegExp(`scanned: ${started.registry}/library/alpine@sha256:[a-f0-9]{12}: \\d+ packages`),
    );
  });
});

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
