import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  checkImageConfig,
  type ImageConfigCheckInput,
} from "../../../lib/checks/image-config/check-image-config.js";
import type { MisconfigurationFinding, SecretMatch } from "../../../lib/checks/types.js";
import type { ImageConfig } from "../../../lib/image/types.js";
import type { LayerRef, Package } from "../../../lib/inventory/package.js";

const FIXTURES = new URL("../../fixtures/image-config/", import.meta.url);

function loadConfig(name: string): ImageConfig {
  return JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), "utf8")) as ImageConfig;
}

function layersOf(config: ImageConfig): LayerRef[] {
  return config.rootfs.diff_ids.map((diffID, index) => ({
    index,
    diffID,
    digest: `sha256:${"b".repeat(63)}${index}`,
  }));
}

/** Stand-in for the secrets engine: three token rules, masked the way SecretMatch promises. */
const FAKE_RULES = [
  { ruleId: "aws-access-key-id", category: "AWS", severity: "CRITICAL", pattern: /AKIA[0-9A-Z]{16}/g },
  { ruleId: "github-pat", category: "GitHub", severity: "HIGH", pattern: /ghp_[A-Za-z0-9]{36}/g },
  { ruleId: "npm-access-token", category: "npm", severity: "HIGH", pattern: /npm_[A-Za-z0-9]{36}/g },
] as const;

function fakeFindSecrets(text: string): SecretMatch[] {
  return FAKE_RULES.flatMap((rule) =>
    [...text.matchAll(rule.pattern)].map((m) => ({
      ruleId: rule.ruleId,
      category: rule.category,
      title: rule.ruleId,
      severity: rule.severity,
      line: 1,
      match: `${m[0].slice(0, 4)}${"*".repeat(m[0].length - 4)}`,
      fingerprint: `sha256:${createHash("sha256").update(m[0]).digest("hex")}`,
    })),
  );
}

const NO_FILES: ImageConfigCheckInput["files"] = { setuid: [], worldWritableDirs: [], packageCaches: [] };

function run(config: ImageConfig, extra: Partial<ImageConfigCheckInput> = {}): MisconfigurationFinding[] {
  return checkImageConfig({
    config,
    layers: layersOf(config),
    files: NO_FILES,
    packages: [],
    findSecrets: fakeFindSecrets,
    ...extra,
  });
}

function findingOf(id: string, config: ImageConfig, extra?: Partial<ImageConfigCheckInput>) {
  return run(config, extra).find((finding) => finding.id === id);
}

function withConfig(base: ImageConfig, patch: NonNullable<ImageConfig["config"]>): ImageConfig {
  return { ...base, config: { ...base.config, ...patch } };
}

const ALL_FIXTURES = [
  "hardened-buildkit",
  "ubuntu-22.04-classic",
  "alpine-3.20-buildkit",
  "user-root",
  "user-nonroot",
  "ports-sensitive",
  "env-secrets",
  "env-clean",
  "label-secrets",
  "history-secrets-buildkit",
  "history-secrets-classic",
  "add-remote-url",
  "add-local",
  "healthcheck-none",
  "base-latest-label",
  "update-alone",
];

describe("checkImageConfig", () => {
  it("reports nothing for a hardened image with a pinned reference", () => {
    expect(
      run(loadConfig("hardened-buildkit"), { reference: "registry.example.com/orders-api:1.4.2" }),
    ).toEqual([]);
  });

  it("returns findings in check-id order, each with title, message, remediation and evidence", () => {
    const findings = run(loadConfig("add-remote-url"), { reference: "app:latest" });
    const ids = findings.map((finding) => finding.id);
    expect(ids).toEqual([...ids].sort());
    for (const finding of findings) {
      expect(finding.id).toMatch(/^PCIMG-\d{3}$/);
      expect(finding.title).not.toBe("");
      expect(finding.message).not.toBe("");
      expect(finding.remediation).not.toBe("");
      expect(finding.evidence?.length).toBeGreaterThan(0);
    }
  });

  it("never puts a clear secret value into findings", () => {
    const clearValues = [
      "S3cr3t-Passw0rd!",
      "AKIAIOSFODNN7EXAMPLE",
      "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      "Pg-Pa55word-9",
      "ghp_R2xP9vLk4TqW8nZc3YbF6hJm1sDa7Ue5Gi0K",
      "registry-hunter2",
      "npm_Xb7Kq2Lw9Rt4Yp6Vn1Mz8Hc3Jd5Fs0Ga2Ee4",
      "ghp_Qw3Er5Ty7Ui9Op1As2Df4Gh6Jk8Lz0Xc3Vb5",
      "ghp_Mn8Bv6Cx4Za2Sd1Fg3Hj5Kl7Qw9Er0Ty2Ui4",
      "hunter2hunter2",
      "Sup3rS3cretPw",
      "9f8e7d6c5b4a39281706",
      "Pr0xyPassw0rd",
    ];
    for (const name of ALL_FIXTURES) {
      const json = JSON.stringify(run(loadConfig(name), { reference: "registry.example.com/app:latest" }));
      for (const value of clearValues) {
        expect(json, `${name} leaks ${value}`).not.toContain(value);
        // Masks keep at most 4 leading characters: the rest must not show either.
        expect(json, `${name} leaks the tail of ${value}`).not.toContain(value.slice(4));
      }
    }
  });
});

describe("PCIMG-001 root user", () => {
  it("fails when USER is not set (ubuntu as pulled)", () => {
    const finding = findingOf("PCIMG-001", loadConfig("ubuntu-22.04-classic"));
    expect(finding).toMatchObject({ severity: "HIGH", cis: ["4.1"], evidence: ["User is not set"] });
    expect(finding?.message).toContain("no USER");
  });

  it("fails for an explicit USER root and points at the history entry that set it", () => {
    const finding = findingOf("PCIMG-001", loadConfig("user-root"));
    expect(finding?.message).toContain('USER "root"');
    expect(finding?.evidence).toEqual(['User: "root"', "history[9]: USER root"]);
  });

  it("passes for a named non-root user", () => {
    expect(findingOf("PCIMG-001", loadConfig("user-nonroot"))).toBeUndefined();
  });

  it.each(["", "0", "root", "0:0", "root:root", "0:1000", " root ", "00"])("USER %j is root", (user) => {
    expect(findingOf("PCIMG-001", withConfig(loadConfig("user-nonroot"), { User: user }))).toBeDefined();
  });

  it.each(["1000", "app", "nobody", "1000:0", "65532:65532", "rootless"])("USER %j is not root", (user) => {
    expect(
      findingOf("PCIMG-001", withConfig(loadConfig("ubuntu-22.04-classic"), { User: user })),
    ).toBeUndefined();
  });
});

describe("PCIMG-002 sensitive ports", () => {
  it("names SSH and database ports, not the application port", () => {
    const finding = findingOf("PCIMG-002", loadConfig("ports-sensitive"));
    expect(finding?.severity).toBe("MEDIUM");
    expect(finding?.evidence).toEqual(["22/tcp (SSH)", "5432/tcp (PostgreSQL)", "6379/tcp (Redis)"]);
    expect(finding?.message).toContain("22/tcp (SSH)");
  });

  it("passes when only the application port is exposed", () => {
    expect(findingOf("PCIMG-002", loadConfig("hardened-buildkit"))).toBeUndefined();
  });

  it("is HIGH for telnet or the unencrypted Docker API, and reads keys without a protocol", () => {
    const config = withConfig(loadConfig("hardened-buildkit"), {
      ExposedPorts: { "23": {}, "2375/tcp": {} },
    });
    const finding = findingOf("PCIMG-002", config);
    expect(finding?.severity).toBe("HIGH");
    expect(finding?.evidence).toEqual(["23 (Telnet)", "2375/tcp (Docker API (unencrypted))"]);
  });
});

describe("PCIMG-003 secrets in ENV", () => {
  it("flags credential variables with masked values only", () => {
    const finding = findingOf("PCIMG-003", loadConfig("env-secrets"));
    expect(finding?.severity).toBe("CRITICAL");
    expect(finding?.cis).toEqual(["4.10"]);
    expect(finding?.evidence).toEqual([
      "DB_PASSWORD=********",
      "AWS_ACCESS_KEY_ID=AKIA**************** (aws-access-key-id)",
      "AWS_SECRET_ACCESS_KEY=********",
      "DATABASE_URL=postgres://orders:****@…",
    ]);
    expect(finding?.message).toContain("DB_PASSWORD");
  });

  it("ignores *_FILE/*_PATH references, empty values, public keys and non-credentials", () => {
    expect(findingOf("PCIMG-003", loadConfig("env-clean"))).toBeUndefined();
    expect(findingOf("PCIMG-003", loadConfig("hardened-buildkit"))).toBeUndefined();
  });

  it("is HIGH when only a variable name gives the secret away", () => {
    const config = withConfig(loadConfig("hardened-buildkit"), { Env: ["MYSQL_ROOT_PASSWORD=changeme"] });
    expect(findingOf("PCIMG-003", config)).toMatchObject({
      severity: "HIGH",
      evidence: ["MYSQL_ROOT_PASSWORD=********"],
    });
  });
});

describe("PCIMG-004 secrets in labels", () => {
  it("flags token and password labels, not commit ids or maintainers", () => {
    const finding = findingOf("PCIMG-004", loadConfig("label-secrets"));
    expect(finding?.evidence).toEqual([
      "com.example.deploy-token=ghp_************************************ (github-pat)",
      "com.example.registry-password=********",
    ]);
    expect(finding?.cis).toEqual(["4.10"]);
  });

  it("passes for OCI annotation labels", () => {
    expect(findingOf("PCIMG-004", loadConfig("hardened-buildkit"))).toBeUndefined();
  });
});

describe("PCIMG-005 secrets in history", () => {
  it("flags BuildKit build args and a token inside a RUN command, with their layers", () => {
    const finding = findingOf("PCIMG-005", loadConfig("history-secrets-buildkit"));
    expect(finding?.evidence).toEqual([
      "history[13] (layer 6) build arg: NPM_TOKEN=npm_************************************ (npm-access-token)",
      "history[13] (layer 6) build arg: GITHUB_TOKEN=ghp_************************************ (github-pat)",
      "history[14] (layer 7) RUN: ghp_************************************ (github-pat)",
    ]);
    // Two layers are concerned, so the finding names none.
    expect(finding?.layer).toBeUndefined();
    expect(finding?.cis).toEqual(["4.10"]);
  });

  it("flags a classic ENV later cleared and a classic |1 build arg", () => {
    const config = loadConfig("history-secrets-classic");
    const finding = findingOf("PCIMG-005", config);
    expect(finding?.evidence).toEqual([
      "history[6] (no layer) ENV: DB_PASSWORD=********",
      "history[8] (layer 1) build arg: AWS_SECRET_ACCESS_KEY=********",
    ]);
    expect(finding?.message).toContain("DB_PASSWORD (history[6])");
    // The config's own Env no longer holds the value.
    expect(findingOf("PCIMG-003", config)).toBeUndefined();
  });

  it("names the layer when a single layer is concerned", () => {
    const config = loadConfig("history-secrets-classic");
    const history = config.history?.filter((entry) => !entry.created_by?.includes("DB_PASSWORD"));
    const finding = findingOf("PCIMG-005", { ...config, history });
    expect(finding?.layer?.index).toBe(1);
  });

  it("passes for ENV lines that hold references, versions and public key ids", () => {
    expect(findingOf("PCIMG-005", loadConfig("hardened-buildkit"))).toBeUndefined();
    expect(findingOf("PCIMG-005", loadConfig("env-clean"))).toBeUndefined();
  });
});

describe("PCIMG-006 ADD of remote URLs / PCIMG-007 ADD instead of COPY", () => {
  it("flags ADD of http(s) URLs with credentials in the URL masked", () => {
    const finding = findingOf("PCIMG-006", loadConfig("add-remote-url"));
    expect(finding?.severity).toBe("MEDIUM");
    expect(finding?.cis).toEqual(["4.9"]);
    expect(finding?.evidence).toEqual([
      "history[2] (layer 1): ADD https://github.com/krallin/tini/releases/download/v0.19.0/tini-static /tini",
      "history[3] (layer 2): ADD https://deploy:****@artifacts.example.com/releases/app-1.2.3.tar.gz?X-Amz-Signature=**** /opt/app/",
    ]);
  });

  it("counts every non-rootfs ADD for CIS 4.9", () => {
    expect(findingOf("PCIMG-007", loadConfig("add-remote-url"))?.evidence).toHaveLength(2);
    const local = findingOf("PCIMG-007", loadConfig("add-local"));
    expect(local).toMatchObject({ severity: "LOW", cis: ["4.9"], layer: { index: 1 } });
    expect(local?.evidence).toEqual([
      expect.stringMatching(/^history\[6\] \(layer 1\): ADD dir:[0-9a-f]{64} in \/opt\/app$/),
    ]);
    expect(findingOf("PCIMG-006", loadConfig("add-local"))).toBeUndefined();
  });

  it("does not count the base image's rootfs ADD, classic or BuildKit", () => {
    expect(findingOf("PCIMG-007", loadConfig("ubuntu-22.04-classic"))).toBeUndefined();
    expect(findingOf("PCIMG-007", loadConfig("alpine-3.20-buildkit"))).toBeUndefined();
    expect(findingOf("PCIMG-007", loadConfig("hardened-buildkit"))).toBeUndefined();
  });

  it("counts an archive ADD to / when it is not the first layer", () => {
    const alpine = loadConfig("alpine-3.20-buildkit");
    const history = [
      ...(alpine.history ?? []),
      { created: "2024-11-02T10:41:07Z", created_by: "ADD overlay.tar.gz / # buildkit" },
    ];
    const config = {
      ...alpine,
      history,
      rootfs: { ...alpine.rootfs, diff_ids: [...alpine.rootfs.diff_ids, `sha256:${"c".repeat(64)}`] },
    };
    expect(findingOf("PCIMG-007", config)?.evidence).toEqual(["history[2] (layer 1): ADD overlay.tar.gz /"]);
  });
});

describe("PCIMG-008 HEALTHCHECK", () => {
  it("fails when there is none", () => {
    expect(findingOf("PCIMG-008", loadConfig("ubuntu-22.04-classic"))).toMatchObject({
      severity: "LOW",
      cis: ["4.6"],
      evidence: ["Healthcheck is not set"],
    });
  });

  it("fails when HEALTHCHECK NONE disables it", () => {
    const finding = findingOf("PCIMG-008", loadConfig("healthcheck-none"));
    expect(finding?.message).toContain("HEALTHCHECK NONE");
  });

  it("passes with a CMD-SHELL or CMD test", () => {
    expect(findingOf("PCIMG-008", loadConfig("hardened-buildkit"))).toBeUndefined();
    expect(findingOf("PCIMG-008", loadConfig("env-clean"))).toBeUndefined();
  });

  it("fails for an empty Test", () => {
    expect(
      findingOf("PCIMG-008", withConfig(loadConfig("hardened-buildkit"), { Healthcheck: { Test: [] } })),
    ).toBeDefined();
  });
});

describe("PCIMG-009 latest tag", () => {
  const hardened = loadConfig("hardened-buildkit");

  it.each([
    "registry.example.com/app:latest",
    "registry.example.com/app",
    "alpine",
    "docker://alpine:latest",
  ])("fails for reference %s", (reference) => {
    expect(findingOf("PCIMG-009", hardened, { reference })?.evidence).toEqual([
      `image reference: ${reference}`,
    ]);
  });

  it.each([
    "registry.example.com/app:1.4.2",
    `registry.example.com/app@sha256:${"a".repeat(64)}`,
    `registry.example.com/app:latest@sha256:${"a".repeat(64)}`,
    "docker-archive:/tmp/app.tar",
    "oci:/tmp/layout",
  ])("passes for reference %s", (reference) => {
    expect(findingOf("PCIMG-009", hardened, { reference })).toBeUndefined();
  });

  it("fails when the base image label names a latest tag", () => {
    const finding = findingOf("PCIMG-009", loadConfig("base-latest-label"), { reference: "app:2.0.1" });
    expect(finding?.severity).toBe("MEDIUM");
    expect(finding?.evidence).toEqual([
      "base image (org.opencontainers.image.base.name): docker.io/library/nginx:latest",
    ]);
  });

  it("fails for an untagged base image label, passes for a versioned one", () => {
    const labels = { "org.opencontainers.image.base.name": "docker.io/library/nginx" };
    expect(findingOf("PCIMG-009", withConfig(hardened, { Labels: labels }))).toBeDefined();
    expect(findingOf("PCIMG-009", hardened)).toBeUndefined();
  });
});

const LAYER_0: LayerRef = {
  index: 0,
  diffID: `sha256:${"0".repeat(64)}`,
  digest: `sha256:${"a".repeat(64)}`,
};
const LAYER_3: LayerRef = {
  index: 3,
  diffID: `sha256:${"3".repeat(64)}`,
  digest: `sha256:${"d".repeat(64)}`,
};

function withFiles(files: Partial<ImageConfigCheckInput["files"]>): Partial<ImageConfigCheckInput> {
  return { files: { ...NO_FILES, ...files } };
}

describe("PCIMG-010 setuid/setgid files", () => {
  const hardened = loadConfig("hardened-buildkit");

  it("is LOW for the distribution's usual setuid programs, with paths and modes as evidence", () => {
    const finding = findingOf(
      "PCIMG-010",
      hardened,
      withFiles({
        setuid: [
          { path: "usr/bin/su", mode: 0o104755, layer: LAYER_0 },
          { path: "/usr/bin/passwd", mode: 0o4755, layer: LAYER_0 },
          { path: "usr/bin/expiry", mode: 0o2755, layer: LAYER_0 },
        ],
      }),
    );
    expect(finding).toMatchObject({ severity: "LOW", cis: ["4.8"], layer: LAYER_0 });
    expect(finding?.evidence).toEqual([
      "usr/bin/expiry 2755 setgid (layer 0)",
      "usr/bin/passwd 4755 setuid (layer 0)",
      "usr/bin/su 4755 setuid (layer 0)",
    ]);
  });

  it("is MEDIUM when a layer added an unusual setuid program", () => {
    const finding = findingOf(
      "PCIMG-010",
      hardened,
      withFiles({
        setuid: [
          { path: "usr/bin/su", mode: 0o4755, layer: LAYER_0 },
          { path: "usr/local/bin/backup-helper", mode: 0o6755, layer: LAYER_3 },
        ],
      }),
    );
    expect(finding?.severity).toBe("MEDIUM");
    expect(finding?.layer).toBeUndefined();
    expect(finding?.evidence).toContain("usr/local/bin/backup-helper 6755 setuid+setgid (layer 3)");
  });

  it("caps the evidence with a +N more line", () => {
    const setuid = Array.from({ length: 120 }, (_, i) => ({
      path: `opt/tools/bin/t${String(i).padStart(3, "0")}`,
      mode: 0o4755,
      layer: LAYER_3,
    }));
    const evidence = findingOf("PCIMG-010", hardened, withFiles({ setuid }))?.evidence ?? [];
    expect(evidence).toHaveLength(51);
    expect(evidence.at(-1)).toBe("+70 more");
  });

  it("passes without setuid files", () => {
    expect(findingOf("PCIMG-010", hardened)).toBeUndefined();
  });
});

describe("PCIMG-011 world-writable directories", () => {
  const hardened = loadConfig("hardened-buildkit");

  it("flags directories writable by all without the sticky bit", () => {
    const finding = findingOf(
      "PCIMG-011",
      hardened,
      withFiles({
        worldWritableDirs: [
          { path: "app/uploads", mode: 0o40777, layer: LAYER_3 },
          { path: "tmp", mode: 0o41777, layer: LAYER_0 },
        ],
      }),
    );
    expect(finding).toMatchObject({
      severity: "MEDIUM",
      layer: LAYER_3,
      evidence: ["app/uploads 0777 (layer 3)"],
    });
  });

  it("passes when every world-writable directory has the sticky bit", () => {
    const worldWritableDirs = [{ path: "var/tmp", mode: 0o1777, layer: LAYER_0 }];
    expect(findingOf("PCIMG-011", hardened, withFiles({ worldWritableDirs }))).toBeUndefined();
  });
});

describe("PCIMG-012 package-manager caches", () => {
  const hardened = loadConfig("hardened-buildkit");

  it("lists caches by size with their manager and cleanup advice", () => {
    const finding = findingOf(
      "PCIMG-012",
      hardened,
      withFiles({
        packageCaches: [
          { dir: "var/lib/apt/lists", manager: "apt", files: 5, bytes: 45_000_000, layer: LAYER_3 },
          { dir: "root/.cache/pip", manager: "pip", files: 1, bytes: 2048, layer: LAYER_3 },
          { dir: "var/cache/apk", manager: "apk", files: 0, bytes: 0, layer: LAYER_0 },
        ],
      }),
    );
    expect(finding?.severity).toBe("LOW");
    expect(finding?.layer).toEqual(LAYER_3);
    expect(finding?.evidence).toEqual([
      "var/lib/apt/lists (apt): 5 files, 42.9 MiB (layer 3)",
      "root/.cache/pip (pip): 1 file, 2.0 KiB (layer 3)",
    ]);
    expect(finding?.message).toContain("42.9 MiB");
    expect(finding?.remediation).toContain("rm -rf /var/lib/apt/lists/*");
    expect(finding?.remediation).toContain("--no-cache-dir");
  });

  it("passes without caches", () => {
    expect(findingOf("PCIMG-012", hardened)).toBeUndefined();
  });
});

describe("PCIMG-013 sudo installed", () => {
  const hardened = loadConfig("hardened-buildkit");
  const sudo: Package = {
    ecosystem: "deb",
    name: "sudo",
    version: "1.9.13p3-1+deb12u1",
    layer: LAYER_3,
    foundIn: "var/lib/dpkg/status",
  };

  it("flags the sudo package", () => {
    const finding = findingOf("PCIMG-013", hardened, { packages: [sudo] });
    expect(finding).toMatchObject({ severity: "MEDIUM", layer: LAYER_3 });
    expect(finding?.evidence).toEqual(["package sudo 1.9.13p3-1+deb12u1 (deb, layer 3)"]);
  });

  it("flags a setuid sudo binary without a package record", () => {
    const finding = findingOf(
      "PCIMG-013",
      hardened,
      withFiles({ setuid: [{ path: "/usr/bin/sudo", mode: 0o4111, layer: LAYER_0 }] }),
    );
    expect(finding?.evidence).toEqual(["usr/bin/sudo 4111 (layer 0)"]);
  });

  it("passes for other packages", () => {
    expect(findingOf("PCIMG-013", hardened, { packages: [{ ...sudo, name: "sudoku" }] })).toBeUndefined();
  });
});

describe("PCIMG-014 update instruction alone", () => {
  it("flags RUN steps that only refresh the indexes, with build-arg secrets kept out", () => {
    const finding = findingOf("PCIMG-014", loadConfig("update-alone"));
    expect(finding).toMatchObject({ severity: "LOW", cis: ["4.7"] });
    expect(finding?.evidence).toEqual([
      "history[2] (layer 1): RUN apt-get update",
      "history[4] (layer 3): RUN apt-get -qq update",
    ]);
  });

  it("passes when update and install share a RUN", () => {
    expect(findingOf("PCIMG-014", loadConfig("hardened-buildkit"))).toBeUndefined();
    expect(findingOf("PCIMG-014", loadConfig("ports-sensitive"))).toBeUndefined();
  });

  function historyWith(command: string): ImageConfig {
    const alpine = loadConfig("alpine-3.20-buildkit");
    return {
      ...alpine,
      history: [...(alpine.history ?? []), { created_by: `RUN /bin/sh -c ${command} # buildkit` }],
      rootfs: { ...alpine.rootfs, diff_ids: [...alpine.rootfs.diff_ids, `sha256:${"e".repeat(64)}`] },
    };
  }

  it.each(["apk update", "apt update", "yum makecache", "dnf -q makecache", "zypper refresh"])(
    "flags %j alone",
    (command) => {
      expect(findingOf("PCIMG-014", historyWith(command))).toBeDefined();
    },
  );

  it.each([
    "apk add --update curl",
    "apk update && apk add curl",
    "yum makecache && yum install -y httpd",
    "dnf makecache && dnf upgrade -y",
    "apt-get update && apt-get upgrade -y",
    "echo update",
  ])("passes %j", (command) => {
    expect(findingOf("PCIMG-014", historyWith(command))).toBeUndefined();
  });
});
