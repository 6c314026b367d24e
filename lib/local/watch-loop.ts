import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { DynamoFindingsStore } from "../aws/dynamo-findings-store.js";
import { type Logger, silentLogger } from "../logger.js";
import type { ImageChange } from "../notify/image-change.js";
import { affectedImages } from "../rescan/affected-images.js";
import { type RematchFailure, rematchBatch } from "../rescan/rematch-batch.js";
import type { RematchOutcome } from "../rescan/rematch-image.js";
import type { BlobStore } from "../stores/findings-store.js";
import { buildFromSources } from "../vulndb/build-from-sources.js";
import { openDatabaseFile } from "../vulndb/db/db-reader.js";
import { diffDatabases } from "../vulndb/publish/diff-databases.js";
import { changedPackages, type DatabaseAdvisories, readDatabaseAdvisories } from "./advisory-packages.js";
import { fingerprintSources } from "./source-fingerprint.js";
import { rescanChange } from "./watch-change.js";
import { postWebhook } from "./webhook.js";

/** What the loop reads and writes in the local store; DynamoFindingsStore is it. */
export type WatchStore = Pick<
  DynamoFindingsStore,
  "latestScan" | "findings" | "putScan" | "image" | "imagesByAccount" | "packageIndex"
>;

export interface WatchLoopOptions {
  /** Files or directories in any format `db build --source` takes. */
  sources: readonly string[];
  /** The DB the loop keeps current; each new build is written beside it and renamed over it. */
  dbPath: string;
  store: WatchStore;
  blobs: BlobStore;
  /** The blob store's bucket, for the changes' report URIs. */
  bucket: string;
  /** The account whose images a first build re-matches (serve stores everything under "local"). */
  account?: string;
  /** Every change is POSTed here as JSON. */
  webhook?: string;
  /** Called once per changed image, before the webhook. */
  onChange?: (change: ImageChange) => void;
  /** A failed tick during start(); tick() callers get the rejection instead. */
  onError?: (err: unknown) => void;
  concurrency?: number;
  logger?: Logger;
  now?: () => Date;
}

export interface TickResult {
  /** A new DB was built from changed sources and swapped in. */
  rebuilt: boolean;
  /** Advisories added, modified and removed by the new build. */
  advisories?: { added: number; modified: number; removed: number };
  /** Images re-matched this tick (skipped ones included). */
  rematched: number;
  changes: ImageChange[];
  /** Images whose re-match threw: tried again on the next tick. */
  failures: RematchFailure[];
}

export interface WatchLoop {
  /** One iteration; concurrent calls share the one in flight. */
  tick(): Promise<TickResult>;
  /** Ticks now and then every intervalMs after the previous tick ended. */
  start(intervalMs: number): void;
  /** Cancels the next tick and waits for one in flight. */
  stop(): Promise<void>;
}

/** Written after a successful swap: the next tick compares the sources' fingerprint with it. */
interface WatchState {
  fingerprint: string;
  builtAt: string;
}

/**
 * `portcullis watch`: the cloud's DB update → affected images → re-match → notify chain, locally.
 * A tick builds a DB only when the source files changed, re-matches just the images the
 * per-advisory diff touches, and announces images that gained or lost findings. The new DB is
 * swapped in only after the re-match, so a tick that dies part-way is redone in full by the next
 * one; findings stored by the dead tick then diff as unchanged, so nothing is announced twice.
 */
export function createWatchLoop(options: WatchLoopOptions): WatchLoop {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const statePath = `${options.dbPath}.sources.json`;
  let state: WatchState | undefined;
  let stateRead = false;
  let retry = new Set<string>();
  let running: Promise<TickResult> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  let loop: Promise<void> | undefined;

  const readState = async (): Promise<WatchState | undefined> => {
    if (stateRead) return state;
    stateRead = true;
    // Without a DB the state means nothing: the DB was removed, so build afresh.
    if (!existsSync(options.dbPath)) return undefined;
    const text = await readFile(statePath, "utf8").catch(() => undefined);
    state = text ? (JSON.parse(text) as WatchState) : undefined;
    return state;
  };

  const rematch = async (imageKeys: readonly string[], dbPath: string) => {
    const vulnDb = await openDatabaseFile(dbPath);
    try {
      return await rematchBatch(
        imageKeys,
        { store: options.store, blobs: options.blobs, vulnDb, logger, now },
        options.concurrency !== undefined ? { concurrency: options.concurrency } : {},
      );
    } finally {
      await vulnDb.close();
    }
  };

  const announce = async (outcomes: readonly RematchOutcome[]): Promise<ImageChange[]> => {
    const changes: ImageChange[] = [];
    for (const outcome of outcomes) {
      const image = outcome.status === "rematched" ? await options.store.image(outcome.imageKey) : undefined;
      const change = image && rescanChange(outcome, image, options.bucket);
      if (change) changes.push(change);
    }
    changes.sort((a, b) =>
      a.image.repository + a.image.digest < b.image.repository + b.image.digest ? -1 : 1,
    );
    for (const change of changes) {
      options.onChange?.(change);
      if (options.webhook) await postWebhook(options.webhook, change, logger);
    }
    return changes;
  };

  const imagesToRematch = async (previous: DatabaseAdvisories | undefined, next: DatabaseAdvisories) => {
    const diff = diffDatabases(previous?.index, next.index);
    if (previous) {
      const keys = await affectedImages(changedPackages(diff, previous, next), options.store.packageIndex);
      return { diff, keys };
    }
    // No earlier build to diff against: every advisory is new, and querying the package index
    // once per package in a full DB costs far more than re-matching every stored image.
    const images = await options.store.imagesByAccount(options.account ?? "local");
    return { diff, keys: images.filter((i) => i.status === "active").map((i) => i.imageKey) };
  };

  const rebuild = async (fingerprint: string): Promise<TickResult> => {
    await mkdir(dirname(options.dbPath), { recursive: true });
    const next = `${options.dbPath}.${process.pid}.next`;
    try {
      const builtAt = now();
      const built = await buildFromSources(
        options.sources.map((path) => ({ path })),
        next,
        { builtAt },
      );
      if (built.warnings.length > 0)
        logger.warn("import warnings", { count: built.warnings.length, first: built.warnings[0] });
      const previous = existsSync(options.dbPath) ? await readPrevious(options.dbPath, logger) : undefined;
      const { diff, keys } = await imagesToRematch(previous, await readDatabaseAdvisories(next));
      const batch = await rematch([...new Set([...keys, ...retry])], next);
      const changes = await announce(batch.outcomes);
      await rename(next, options.dbPath);
      state = { fingerprint, builtAt: builtAt.toISOString() };
      await writeFile(statePath, `${JSON.stringify(state)}\n`);
      retry = new Set(batch.failures.map((f) => f.imageKey));
      logger.info("vulnerability DB rebuilt", {
        ...diff.totals,
        images: keys.length,
        changes: changes.length,
      });
      return {
        rebuilt: true,
        advisories: diff.totals,
        rematched: batch.outcomes.length,
        changes,
        failures: batch.failures,
      };
    } finally {
      await rm(next, { force: true });
    }
  };

  const once = async (): Promise<TickResult> => {
    const fingerprint = await fingerprintSources(options.sources);
    const current = await readState();
    if (current?.fingerprint !== fingerprint) return rebuild(fingerprint);
    if (retry.size === 0) return { rebuilt: false, rematched: 0, changes: [], failures: [] };
    const batch = await rematch([...retry], options.dbPath);
    retry = new Set(batch.failures.map((f) => f.imageKey));
    const changes = await announce(batch.outcomes);
    return { rebuilt: false, rematched: batch.outcomes.length, changes, failures: batch.failures };
  };

  const tick = () => {
    running ??= once().finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    tick,
    start(intervalMs) {
      if (!stopped) return;
      stopped = false;
      const run = async () => {
        timer = undefined;
        await tick().catch((err: unknown) => {
          logger.error("watch tick failed", { error: err instanceof Error ? err.message : String(err) });
          options.onError?.(err);
        });
        if (stopped) return;
        timer = setTimeout(() => {
          loop = run();
        }, intervalMs);
      };
      loop = run();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await loop;
      await running?.catch(() => {});
    },
  };
}

/** The current build's advisories; an unreadable one is treated as absent (everything re-matched). */
async function readPrevious(path: string, logger: Logger): Promise<DatabaseAdvisories | undefined> {
  try {
    return await readDatabaseAdvisories(path);
  } catch (err) {
    logger.warn("current DB unreadable; re-matching every image", {
      path,
      error: err instanceof Error ? err.message : String(err),
    });
    return undefined;
  }
}
