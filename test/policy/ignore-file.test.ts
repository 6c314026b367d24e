import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadIgnoreFile, parseIgnoreFile } from "../../lib/policy/ignore-file.js";
import { ignoreEntrySchema, isIgnoreExpired } from "../../lib/policy/ignore-rule.js";
import { PolicyError } from "../../lib/policy/policy-error.js";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/policy/${name}`, import.meta.url));

/** The PolicyError a parse throws, so tests can assert on its message. */
function errorOf(text: string, origin: string): PolicyError {
  try {
    parseIgnoreFile(text, origin);
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return err as PolicyError;
  }
  throw new Error("expected parseIgnoreFile to throw");
}

describe("parseIgnoreFile (YAML)", () => {
  it("reads every field of the sample file, keeping the origin", async () => {
    const path = fixture(".portcullisignore.yaml");
    const rules = await loadIgnoreFile(path);
    expect(rules).toHaveLength(5);
    expect(rules[0]).toEqual({
      id: "CVE-2023-42363",
      package: "busybox",
      reason: "awk is not used at runtime",
      expires: "2024-06-30",
      origin: path,
      source: "ignore-file",
    });
    expect(rules[1]).toMatchObject({ package: "pkg:golang/golang.org/x/net", path: "app/**" });
    expect(rules[2]?.expires).toBe("2024-07-01T12:00:00Z");
    expect(rules[3]?.id).toMatch(/^sha256:5f2b/);
    expect(rules[4]).not.toHaveProperty("expires");
  });

  it("treats an empty file or an empty list as no rules", () => {
    expect(parseIgnoreFile("", "a.yaml")).toEqual([]);
    expect(parseIgnoreFile("# nothing yet\n", "a.yaml")).toEqual([]);
    expect(parseIgnoreFile("ignore: []\n", "a.yaml")).toEqual([]);
    expect(parseIgnoreFile("ignore:\n", "a.yaml")).toEqual([]);
  });

  it("strips a leading slash from paths, since finding paths have none", () => {
    const [rule] = parseIgnoreFile("ignore:\n  - id: x\n    path: /etc/ssl/**\n", "a.yaml");
    expect(rule?.path).toBe("etc/ssl/**");
  });

  it("accepts Date values, as YAML 1.1 loaders and JS callers produce", () => {
    expect(ignoreEntrySchema.parse({ id: "x", expires: new Date("2024-06-30T00:00:00Z") }).expires).toBe(
      "2024-06-30",
    );
    expect(ignoreEntrySchema.parse({ id: "x", expires: new Date("2024-06-30T10:00:00Z") }).expires).toBe(
      "2024-06-30T10:00:00.000Z",
    );
  });
});

describe("parseIgnoreFile (plain)", () => {
  it("reads one id per line with comments and a Trivy-style exp: field", async () => {
    const path = fixture(".portcullisignore");
    const rules = await loadIgnoreFile(path);
    expect(rules).toEqual([
      { id: "CVE-2023-42363", origin: path, source: "ignore-file" },
      { id: "GHSA-4374-p667-p6c8", expires: "2024-06-30", origin: path, source: "ignore-file" },
      { id: "PCIMG-001", origin: path, source: "ignore-file" },
    ]);
  });

  it("names the file and line of a bad field", () => {
    expect(errorOf("CVE-1\nCVE-2 exp:soon\n", ".portcullisignore").message).toBe(
      '.portcullisignore:2: exp: must be a date such as 2025-06-30, got "soon"',
    );
    expect(errorOf("CVE-1 because\n", "ignores.txt").message).toContain(
      'ignores.txt:1: unexpected "because"',
    );
  });

  it("can be forced to YAML whatever the name", () => {
    expect(parseIgnoreFile("ignore:\n  - id: CVE-1\n", "stdin", "yaml")).toEqual([
      { id: "CVE-1", origin: "stdin", source: "ignore-file" },
    ]);
  });
});

describe("bad ignore files", () => {
  it("reports YAML syntax errors with file and line", () => {
    const err = errorOf("ignore:\n  - id: CVE-1\n   reason: [unclosed\n", "team.yaml");
    expect(err.name).toBe("PolicyError");
    expect(err.message).toMatch(/^team\.yaml:\d+: not valid YAML: /);
  });

  it("rejects a misspelt key instead of silently making an entry permanent", () => {
    const err = errorOf("ignore:\n  - id: CVE-1\n    expire: 2024-01-01\n", "team.yaml");
    expect(err.message).toMatch(/^team\.yaml:2: ignore\[0\]: .*expire/);
  });

  it("points at the entry that lacks an id", () => {
    const err = errorOf("ignore:\n  - id: CVE-1\n  - reason: no id here\n", "team.yaml");
    expect(err.message).toMatch(/^team\.yaml:3: ignore\[1\]\.id: /);
  });

  it("rejects impossible dates and zone-less date-times", () => {
    expect(errorOf("ignore:\n  - id: CVE-1\n    expires: 2024-02-30\n", "a.yaml").message).toMatch(
      /^a\.yaml:3: ignore\[0\]\.expires: must be a date/,
    );
    expect(errorOf("ignore:\n  - id: CVE-1\n    expires: 2024-02-01T10:00:00\n", "a.yaml").message).toContain(
      "ignore[0].expires",
    );
    expect(errorOf("ignore:\n  - id: CVE-1\n    expires: next week\n", "a.yaml").message).toContain(
      "ignore[0].expires",
    );
  });

  it("rejects a top level that is not the ignore list", () => {
    expect(errorOf("- id: CVE-1\n", "a.yaml").message).toMatch(/^a\.yaml:1: \(document\): /);
    expect(errorOf("ignores:\n  - id: CVE-1\n", "a.yaml").message).toContain("ignores");
    expect(errorOf("ignore:\n  - CVE-1\n", "a.yaml").message).toContain("ignore[0]");
  });

  it("names a missing file", async () => {
    await expect(loadIgnoreFile("/nonexistent/.portcullisignore.yaml")).rejects.toThrow(
      "/nonexistent/.portcullisignore.yaml: cannot read ignore file: no such file",
    );
  });
});

describe("isIgnoreExpired", () => {
  it("keeps a date entry through the end of that day, UTC", () => {
    const rule = { id: "x", expires: "2024-06-30" };
    expect(isIgnoreExpired(rule, new Date("2024-06-30T00:00:00Z"))).toBe(false);
    expect(isIgnoreExpired(rule, new Date("2024-06-30T23:59:59.999Z"))).toBe(false);
    expect(isIgnoreExpired(rule, new Date("2024-07-01T00:00:00Z"))).toBe(true);
  });

  it("ends a date-time entry at that instant, honouring the offset", () => {
    const rule = { id: "x", expires: "2024-07-01T12:00:00+02:00" };
    expect(isIgnoreExpired(rule, new Date("2024-07-01T09:59:59Z"))).toBe(false);
    expect(isIgnoreExpired(rule, new Date("2024-07-01T10:00:00Z"))).toBe(true);
  });

  it("never expires an entry without expires", () => {
    expect(isIgnoreExpired({ id: "x" }, new Date("2999-01-01T00:00:00Z"))).toBe(false);
  });
});
