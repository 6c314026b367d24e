import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoFindingsStore } from "../../../lib/aws/dynamo-findings-store.js";
import type { SeverityLevel, VulnerabilityFinding } from "../../../lib/matching/finding.js";
import type { PolicyResult, Suppression } from "../../../lib/policy/types.js";
import {
  type ScanSummary,
  type SuppressedVulnerability,
  suppressedVulnerabilities,
} from "../../../lib/stores/findings-store.js";
import { imageKey, type ScanJob } from "../../../lib/stores/scan-job.js";
import { type AwsEmulators, createTable, startAwsEmulators } from "../../helpers/aws-emulators.js";

let emulators: AwsEmulators;
let tables = 0;

beforeAll(async () => {
  emulators = await startAwsEmulators();
});
afterAll(async () => {
  await emulators?.stop();
});

async function freshStore(): Promise<DynamoFindingsStore> {
  const client = emulators.dynamoClient();
  const name = `lifecycle-${++tables}`;
  await createTable(client, name);
  return new DynamoFindingsStore(client, name);
}

const OLD = `sha256:${"1".repeat(64)}`;
const NEW = `sha256:${"2".repeat(64)}`;

function push(digest: string, eventTime: string, overrides: Partial<ScanJob> = {}): ScanJob {
  return {
    v: 1,
    provider: "ecr",
    account: "111122223333",
    region: "eu-west-1",
    repository: "team/app",
    digest,
    tag: "latest",
    registry: "111122223333.dkr.ecr.eu-west-1.amazonaws.com",
    reason: "push",
    eventTime,
    ...overrides,
  };
}

/** A rescan job as rematchImage builds it: no tag. */
function rescan(digest: string, eventTime: string): ScanJob {
  const { tag: _tag, ...job } = push(digest, eventTime, { reason: "rescan" });
  return job;
}

function vuln(id: string, pkg: string, level: SeverityLevel = "HIGH", version = "1.0"): VulnerabilityFinding {
  return {
    id,
    aliases: [],
    advisories: [],
    package: {
      ecosystem: "npm",
      name: pkg,
      version,
      foundIn: "app/package-lock.json",
      layer: { index: 1, diffID: `sha256:${"d".repeat(64)}`, digest: `sha256:${"c".repeat(64)}` },
    },
    fixedVersions: ["9.9"],
    status: "fixed",
    severity: { level, source: "ghsa" },
    references: [],
  };
}

function summaryOf(job: ScanJob, scannedAt: string, open: VulnerabilityFinding[]): ScanSummary {
  const counts: Record<string, number> = {};
  for (const f of open) counts[f.severity.level] = (counts[f.severity.level] ?? 0) + 1;
  return { imageKey: imageKey(job), scannedAt, analyzersKey: "a1", counts, packages: 3 };
}

async function scan(
  store: DynamoFindingsStore,
  job: ScanJob,
  scannedAt: string,
  open: VulnerabilityFinding[],
  suppressed: SuppressedVulnerability[] = [],
): Promise<void> {
  await store.putScan(job, summaryOf(job, scannedAt, open), open, undefined, { suppressed });
}

const ignored: Suppression = {
  source: "ignore-file",
  reason: "not reachable from our code",
  origin: ".portcullisignore.yaml",
  expires: "2025-03-01",
};

async function recordsById(store: DynamoFindingsStore, key: string) {
  return new Map(
    (await store.findingRecords(key)).map((r) => [`${r.finding.id} ${r.finding.package.name}`, r]),
  );
}

describe("suppressed findings", () => {
  it("are stored with their suppression, visible by vulnerability, but not open anywhere", async () => {
    const store = await freshStore();
    const job = push(OLD, "2025-01-01T00:00:00.000Z");
    const key = imageKey(job);
    await scan(
      store,
      job,
      "2025-01-01T00:01:00.000Z",
      [vuln("CVE-1", "a", "CRITICAL")],
      [{ finding: vuln("CVE-2", "b", "CRITICAL"), suppression: ignored }],
    );

    const records = await recordsById(store, key);
    expect(records.get("CVE-2 b")).toMatchObject({
      status: "suppressed",
      firstSeen: "2025-01-01T00:01:00.000Z",
      suppression: ignored,
    });
    expect((await store.findings(key)).map((f) => f.id)).toEqual(["CVE-1"]);
    expect((await store.openFindingsBySeverity("CRITICAL")).map((r) => r.finding.id)).toEqual(["CVE-1"]);
    const byVuln = await store.findingsByVulnerability("CVE-2");
    expect(byVuln.map((r) => [r.imageKey, r.status, r.suppression?.reason])).toEqual([
      [key, "suppressed", "not reachable from our code"],
    ]);
    expect((await store.counts(job.account)).open).toEqual({ CRITICAL: 1 });
    expect(await store.image(key)).toMatchObject({ openFindings: 1 });
  });

  it("reopen with their original firstSeen once the suppression no longer applies", async () => {
    const store = await freshStore();
    const job = push(OLD, "2025-01-01T00:00:00.000Z");
    const key = imageKey(job);
    const hidden = vuln("CVE-2", "b", "HIGH");
    await scan(store, job, "2025-01-01T00:01:00.000Z", [], [{ finding: hidden, suppression: ignored }]);
    expect(await store.openFindingsBySeverity("HIGH")).toEqual([]);

    // The ignore entry expired: the next match reports the finding as open.
    await scan(store, rescan(OLD, "2025-03-02T00:00:00.000Z"), "2025-03-02T00:01:00.000Z", [hidden]);
    const record = (await recordsById(store, key)).get("CVE-2 b");
    expect(record).toMatchObject({
      status: "open",
      firstSeen: "2025-01-01T00:01:00.000Z",
      lastSeen: "2025-03-02T00:01:00.000Z",
    });
    expect(record?.suppression).toBeUndefined();
    expect((await store.openFindingsBySeverity("HIGH")).map((r) => r.imageKey)).toEqual([key]);
    expect((await store.counts(job.account)).open).toEqual({ HIGH: 1 });
    expect(await store.image(key)).toMatchObject({ openFindings: 1 });
  });

  it("leave the open counts when an open finding becomes suppressed, and resolve when it vanishes", async () => {
    const store = await freshStore();
    const job = push(OLD, "2025-01-01T00:00:00.000Z");
    const key = imageKey(job);
    const f = vuln("CVE-3", "c", "MEDIUM");
    await scan(store, job, "2025-01-01T00:01:00.000Z", [f]);
    await scan(
      store,
      rescan(OLD, "2025-01-02T00:00:00.000Z"),
      "2025-01-02T00:01:00.000Z",
      [],
      [{ finding: f, suppression: { source: "vex", reason: "vulnerable_code_not_present" } }],
    );
    expect((await store.counts(job.account)).open).toEqual({ MEDIUM: 0 });
    expect(await store.openFindingsBySeverity("MEDIUM")).toEqual([]);
    expect((await recordsById(store, key)).get("CVE-3 c")).toMatchObject({
      status: "suppressed",
      firstSeen: "2025-01-01T00:01:00.000Z",
    });

    await scan(store, rescan(OLD, "2025-01-03T00:00:00.000Z"), "2025-01-03T00:01:00.000Z", []);
    expect((await recordsById(store, key)).get("CVE-3 c")).toMatchObject({
      status: "resolved",
      resolvedBy: "scan",
      resolvedAt: "2025-01-03T00:01:00.000Z",
    });
    expect((await store.counts(job.account)).open).toEqual({ MEDIUM: 0 });
  });

  it("are resolved with the image when it is deleted", async () => {
    const store = await freshStore();
    const job = push(OLD, "2025-01-01T00:00:00.000Z");
    await scan(
      store,
      job,
      "2025-01-01T00:01:00.000Z",
      [],
      [{ finding: vuln("CVE-2", "b"), suppression: ignored }],
    );
    await store.markDeleted(imageKey(job), "2025-01-05T00:00:00.000Z");
    const [record] = await store.findingRecords(imageKey(job));
    expect(record).toMatchObject({ status: "resolved", resolvedBy: "deleted" });
    expect(record?.suppression).toBeUndefined();
  });

  it("come from the policy's vulnerability entries only", () => {
    const policy: PolicyResult = {
      result: "pass",
      failures: [],
      expiredIgnores: [],
      suppressed: [
        { kind: "vulnerability", finding: vuln("CVE-9", "z"), suppression: ignored },
        {
          kind: "secret",
          finding: {} as never,
          suppression: { source: "repository-policy", reason: "test fixture" },
        },
      ],
    };
    expect(suppressedVulnerabilities(policy).map((s) => s.finding.id)).toEqual(["CVE-9"]);
    expect(suppressedVulnerabilities(undefined)).toEqual([]);
  });
});

describe("lastSeen", () => {
  it("advances with every scan while firstSeen stays", async () => {
    const store = await freshStore();
    const key = imageKey(push(OLD, ""));
    const f = vuln("CVE-1", "a");
    for (const day of ["01", "02", "03"]) {
      await scan(store, rescan(OLD, `2025-01-${day}T00:00:00.000Z`), `2025-01-${day}T00:01:00.000Z`, [f]);
    }
    expect((await store.findingRecords(key)).map((r) => [r.status, r.firstSeen, r.lastSeen])).toEqual([
      ["open", "2025-01-01T00:01:00.000Z", "2025-01-03T00:01:00.000Z"],
    ]);
  });
});

describe("supersession by a new digest under the same tag", () => {
  const shared = vuln("CVE-1", "a", "CRITICAL");
  const fixedLater = vuln("CVE-2", "b", "HIGH", "1.0");
  const gone = vuln("CVE-3", "c", "LOW");
  const suppressedOld = vuln("CVE-4", "d", "MEDIUM");
  const onlyNew = vuln("CVE-5", "e", "HIGH");

  async function pushedTwice() {
    const store = await freshStore();
    const oldJob = push(OLD, "2025-01-01T00:00:00.000Z");
    const newJob = push(NEW, "2025-02-01T00:00:00.000Z");
    await scan(
      store,
      oldJob,
      "2025-01-01T00:01:00.000Z",
      [shared, fixedLater, gone],
      [{ finding: suppressedOld, suppression: ignored }],
    );
    // The new image upgraded b (another version: another identity) and dropped c and d.
    await scan(store, newJob, "2025-02-01T00:01:00.000Z", [
      shared,
      onlyNew,
      vuln("CVE-2", "b", "HIGH", "2.0"),
    ]);
    return { store, oldJob, newJob, oldKey: imageKey(oldJob), newKey: imageKey(newJob) };
  }

  it("resolves what the new digest fixed on the old image and keeps the rest open there", async () => {
    const { store, oldJob, oldKey, newKey } = await pushedTwice();
    const old = await recordsById(store, oldKey);
    for (const id of ["CVE-2 b", "CVE-3 c", "CVE-4 d"]) {
      expect(old.get(id), id).toMatchObject({
        status: "resolved",
        resolvedBy: "superseded",
        supersededBy: NEW,
        resolvedAt: "2025-02-01T00:01:00.000Z",
      });
    }
    expect(old.get("CVE-1 a")).toMatchObject({ status: "open", firstSeen: "2025-01-01T00:01:00.000Z" });
    expect(old.get("CVE-1 a")?.resolvedBy).toBeUndefined();

    expect(await store.image(oldKey)).toMatchObject({
      status: "active",
      supersededBy: NEW,
      supersededAt: "2025-02-01T00:01:00.000Z",
      openFindings: 1,
    });
    const current = await store.image(newKey);
    expect(current?.supersededBy).toBeUndefined();
    expect(current).toMatchObject({ openFindings: 3 });

    // Old image: CVE-1 only. New image: CVE-1, CVE-2@2.0, CVE-5. The suppressed MEDIUM never counted.
    expect((await store.counts(oldJob.account)).open).toEqual({ CRITICAL: 2, HIGH: 2, LOW: 0 });
    expect((await store.openFindingsBySeverity("CRITICAL")).map((r) => r.imageKey).sort()).toEqual(
      [oldKey, newKey].sort(),
    );
    expect((await store.openFindingsBySeverity("LOW")).length).toBe(0);
    expect((await store.findingsByVulnerability("CVE-3")).map((r) => [r.imageKey, r.status])).toEqual([
      [oldKey, "resolved"],
    ]);
  });

  it("stays superseded through a rescan of the old image and a redelivered push", async () => {
    const { store, oldJob, newJob, oldKey } = await pushedTwice();
    const expectSuperseded = async () => {
      const old = await recordsById(store, oldKey);
      expect(old.get("CVE-2 b")).toMatchObject({ status: "resolved", resolvedBy: "superseded" });
      expect(old.get("CVE-3 c")).toMatchObject({ status: "resolved", resolvedBy: "superseded" });
      expect(old.get("CVE-1 a")).toMatchObject({ status: "open", lastSeen: "2025-02-02T00:01:00.000Z" });
      expect((await store.findings(oldKey)).map((f) => f.id)).toEqual(["CVE-1"]);
      expect(await store.image(oldKey)).toMatchObject({ supersededBy: NEW, openFindings: 1 });
      expect((await store.counts(oldJob.account)).open).toEqual({ CRITICAL: 2, HIGH: 2, LOW: 0 });
    };
    // The nightly re-match of the old digest still reports what the new digest fixed.
    await scan(store, rescan(OLD, "2025-02-02T00:00:00.000Z"), "2025-02-02T00:01:00.000Z", [
      shared,
      fixedLater,
      gone,
    ]);
    await expectSuperseded();
    // SQS redelivers the new push: nothing is resolved or counted twice.
    await scan(store, newJob, "2025-02-01T00:01:00.000Z", [
      shared,
      onlyNew,
      vuln("CVE-2", "b", "HIGH", "2.0"),
    ]);
    await expectSuperseded();
  });

  it("ignores a push whose event is older than the one the tag already points at", async () => {
    const store = await freshStore();
    const newer = push(NEW, "2025-02-01T00:00:00.000Z");
    const older = push(OLD, "2025-01-01T00:00:00.000Z");
    await scan(store, newer, "2025-02-01T00:01:00.000Z", [shared]);
    // The older push's scan finishes last: it must not supersede the image the tag now names.
    await scan(store, older, "2025-02-01T00:02:00.000Z", [gone]);
    expect((await store.findings(imageKey(newer))).map((f) => f.id)).toEqual(["CVE-1"]);
    expect((await store.image(imageKey(newer)))?.supersededBy).toBeUndefined();
    expect((await store.findings(imageKey(older))).map((f) => f.id)).toEqual(["CVE-3"]);
  });

  it("keeps tags of other repositories and other tags apart", async () => {
    const store = await freshStore();
    await scan(store, push(OLD, "2025-01-01T00:00:00.000Z"), "2025-01-01T00:01:00.000Z", [gone]);
    await scan(store, push(NEW, "2025-02-01T00:00:00.000Z", { tag: "v2" }), "2025-02-01T00:01:00.000Z", []);
    await scan(
      store,
      push(NEW, "2025-02-01T00:00:00.000Z", { repository: "team/other" }),
      "2025-02-01T00:01:00.000Z",
      [],
    );
    expect((await store.findings(imageKey(push(OLD, "")))).map((f) => f.id)).toEqual(["CVE-3"]);
  });

  it("reopens the fixed findings when the tag moves back to the old digest", async () => {
    const { store, oldKey, newKey } = await pushedTwice();
    const rollback = push(OLD, "2025-03-01T00:00:00.000Z");
    await scan(store, rollback, "2025-03-01T00:01:00.000Z", [shared, fixedLater, gone]);

    const old = await recordsById(store, oldKey);
    expect(old.get("CVE-2 b")).toMatchObject({ status: "open", firstSeen: "2025-01-01T00:01:00.000Z" });
    expect((await store.image(oldKey))?.supersededBy).toBeUndefined();
    // Now the newer digest is the replaced one: what the old image lacks is resolved there.
    const replaced = await recordsById(store, newKey);
    expect(replaced.get("CVE-5 e")).toMatchObject({
      status: "resolved",
      resolvedBy: "superseded",
      supersededBy: OLD,
    });
    expect(replaced.get("CVE-1 a")).toMatchObject({ status: "open" });
    expect(await store.image(newKey)).toMatchObject({ supersededBy: OLD });
  });
});
