import { describe, expect, it } from "vitest";
import { collectSecrets } from "../../lib/checks/collect-secrets.js";
import { finalFileFacts } from "../../lib/checks/final-file-facts.js";
import { LaterLayers, type LayerView } from "../../lib/checks/later-layers.js";
import type { LayerFileFacts, SecretMatch } from "../../lib/checks/types.js";
import { LAYER_RESULT_SCHEMA, type PathRecord } from "../../lib/layers/layer-result.js";
import { PathIndexBuilder } from "../../lib/layers/path-index.js";

const match: SecretMatch = {
  ruleId: "aws-access-key-id",
  category: "AWS",
  title: "AWS access key id",
  severity: "CRITICAL",
  line: 3,
  match: "AKIA****************",
  fingerprint: `sha256:${"a".repeat(64)}`,
};

interface LayerSpec {
  written?: string[];
  secrets?: string[];
  whiteouts?: string[];
  opaqueDirs?: string[];
  facts?: Partial<LayerFileFacts>;
}

function layers(...specs: LayerSpec[]): LayerView[] {
  return specs.map((spec, index) => {
    const diffID = `sha256:${String(index).repeat(64)}`;
    const index_ = new PathIndexBuilder();
    for (const p of [...(spec.written ?? []), ...(spec.secrets ?? [])]) index_.add(p);
    const paths: PathRecord[] = (spec.secrets ?? []).map((path) => ({
      path,
      type: "file",
      results: [{ analyzer: "secrets", result: { secrets: [match] } }],
    }));
    return {
      ref: { index, diffID, digest: diffID },
      result: {
        schema: LAYER_RESULT_SCHEMA,
        diffID,
        paths,
        whiteouts: spec.whiteouts ?? [],
        opaqueDirs: spec.opaqueDirs ?? [],
        warnings: [],
        fileFacts: { setuidFiles: [], worldWritableDirs: [], packageCacheFiles: [], ...spec.facts },
        pathIndex: index_.toString(),
        complete: true,
        stats: {
          compression: "gzip",
          compressedBytes: 0,
          uncompressedBytes: 0,
          entries: 0,
          bufferedFiles: 0,
        },
      },
    };
  });
}

describe("collectSecrets", () => {
  it("reports a key that a later layer deletes as removed in that layer", () => {
    const views = layers(
      { secrets: ["app/.env"] },
      { written: ["app/main.js"] },
      { whiteouts: ["app/.env"] },
    );
    const [finding] = collectSecrets(views, new LaterLayers(views));
    expect(finding).toMatchObject({
      path: "app/.env",
      present: false,
      layer: { index: 0 },
      removedIn: { index: 2 },
    });
  });

  it("treats a deleted parent directory, an opaque parent and a replacement as removal", () => {
    for (const later of [
      { whiteouts: ["app"] },
      { opaqueDirs: ["app"] },
      { written: ["app/.env"] },
      { opaqueDirs: [""] },
    ]) {
      const views = layers({ secrets: ["app/.env"] }, later);
      expect(collectSecrets(views, new LaterLayers(views))[0]).toMatchObject({
        present: false,
        removedIn: { index: 1 },
      });
    }
  });

  it("keeps a key present when later layers touch only other paths", () => {
    const views = layers(
      { secrets: ["app/.env"] },
      { written: ["app/.env.example", "app"], whiteouts: ["app/.env2"] },
    );
    expect(collectSecrets(views, new LaterLayers(views))).toMatchObject([{ present: true }]);
    expect(collectSecrets(views, new LaterLayers(views))[0]?.removedIn).toBeUndefined();
  });

  it("reports both copies when a later layer rewrites the file with the same key", () => {
    const views = layers({ secrets: ["app/.env"] }, { secrets: ["app/.env"] });
    const found = collectSecrets(views, new LaterLayers(views));
    expect(found.map((f) => [f.layer.index, f.present])).toEqual([
      [0, false],
      [1, true],
    ]);
  });
});

describe("finalFileFacts", () => {
  it("drops setuid files chmod-ed or deleted later and keeps the rest with their layer", () => {
    const views = layers(
      {
        facts: {
          setuidFiles: [
            { path: "usr/bin/passwd", mode: 0o4755 },
            { path: "usr/bin/su", mode: 0o4755 },
            { path: "usr/bin/mount", mode: 0o4755 },
          ],
        },
      },
      { written: ["usr/bin/su"], whiteouts: ["usr/bin/mount"] },
    );
    const facts = finalFileFacts(views, new LaterLayers(views));
    expect(facts.setuid.map((f) => [f.path, f.layer.index])).toEqual([["usr/bin/passwd", 0]]);
  });

  it("sums package caches that survive, per layer and directory", () => {
    const file = (path: string, size: number) => ({
      path,
      dir: "var/lib/apt/lists",
      manager: "apt",
      size,
      files: 1,
    });
    const views = layers(
      { facts: { packageCacheFiles: [file("var/lib/apt/lists/a", 10), file("var/lib/apt/lists/b", 5)] } },
      { whiteouts: ["var/lib/apt/lists/a"] },
    );
    expect(finalFileFacts(views, new LaterLayers(views)).packageCaches).toEqual([
      { dir: "var/lib/apt/lists", manager: "apt", files: 1, bytes: 5, layer: views[0]?.ref },
    ]);
  });
});
