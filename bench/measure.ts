import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Measurement {
  seconds: number;
  maxRssBytes?: number;
}

/** Runs a shell command, returning wall time; fails loudly if it fails. */
export async function timeShell(command: string): Promise<Measurement> {
  const started = process.hrtime.bigint();
  await run("bash", ["-c", command], {});
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** Runs a node script with our peak-RSS reporter preloaded. */
export async function timeNode(args: string[]): Promise<Measurement> {
  const dir = await mkdtemp(join(tmpdir(), "portcullis-bench-"));
  const rssFile = join(dir, "rss");
  const started = process.hrtime.bigint();
  await run(process.execPath, ["--import", new URL("./report-max-rss.mjs", import.meta.url).href, ...args], {
    PORTCULLIS_MAX_RSS_FILE: rssFile,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const maxRssBytes = Number(await readFile(rssFile, "utf8"));
  await rm(dir, { recursive: true, force: true });
  return { seconds, maxRssBytes };
}

function run(command: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, ...env },
    });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${stderr}`)),
    );
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export const MiB = 1024 * 1024;
