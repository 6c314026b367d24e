import { describe, expect, it } from "vitest";
import {
  type Assignment,
  assignmentScore,
  isLikelySecretAssignment,
  MIN_GENERIC_SCORE,
} from "../../../lib/checks/secrets/generic-assignment.js";
import { isPlaceholder } from "../../../lib/checks/secrets/placeholder.js";

function assignment(value: string, extra: Partial<Assignment> = {}): Assignment {
  return { keyword: "token", suffix: "", prefix: "", lineStart: "", quote: '"', value, after: '"', ...extra };
}

describe("assignmentScore", () => {
  it("rewards entropy, length and mixed characters, and weights password keys up", () => {
    expect(assignmentScore("token", "7f4369636d4b01cee5d52883666222b6")).toBeGreaterThanOrEqual(
      MIN_GENERIC_SCORE,
    );
    expect(assignmentScore("token", "mysupersecretvalue")).toBeLessThan(MIN_GENERIC_SCORE);
    expect(assignmentScore("password", "Tr0ub4dor&3")).toBe(MIN_GENERIC_SCORE);
    expect(assignmentScore("token", "Tr0ub4dor&3")).toBe(MIN_GENERIC_SCORE - 1);
    expect(assignmentScore("token", "aaaaaaaabbbbbbbb")).toBe(0);
  });
});

describe("isLikelySecretAssignment", () => {
  const good = "wmnyP8hSFFPkkeTR0llDsVB3xLTeifvH";

  it("accepts a closed quoted literal and a bare line value", () => {
    expect(isLikelySecretAssignment(assignment(good))).toBe(true);
    expect(isLikelySecretAssignment(assignment(good, { quote: "", after: "\n", lineStart: "export " }))).toBe(
      true,
    );
  });

  it("rejects unclosed quotes, mid-line bare values and code", () => {
    expect(isLikelySecretAssignment(assignment(good, { after: " " }))).toBe(false);
    expect(
      isLikelySecretAssignment(assignment(good, { quote: "", after: "", lineStart: "const x = f(" })),
    ).toBe(false);
    expect(isLikelySecretAssignment(assignment("config.vault.secret", { quote: "", after: "" }))).toBe(false);
    expect(isLikelySecretAssignment(assignment("getToken(req)", { quote: "", after: "" }))).toBe(false);
  });

  it("rejects keys about a secret rather than holding one", () => {
    expect(isLikelySecretAssignment(assignment(good, { suffix: "_url" }))).toBe(false);
    expect(isLikelySecretAssignment(assignment(good, { suffix: "izer" }))).toBe(false);
    expect(isLikelySecretAssignment(assignment(good, { prefix: "csrf_" }))).toBe(false);
    expect(isLikelySecretAssignment(assignment(good, { prefix: "next" }))).toBe(false);
    expect(isLikelySecretAssignment(assignment("X-Amz-Security-Token-2024"))).toBe(false);
  });
});

describe("isPlaceholder", () => {
  it("knows references, templates, dummies and paths", () => {
    for (const value of [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal shell reference under test
      "${DB_PASSWORD}",
      "$DB_PASSWORD",
      "$(cat /run/secrets/x)",
      "{{ .Values.token }}",
      "%(password)s",
      "%APPDATA%",
      "<your-token>",
      "xxxxxxxxxxxxxxxx",
      "********",
      "changeme",
      "password123",
      "REPLACE_WITH_CLIENT_SECRET",
      "/run/secrets/db_password",
      "./token.txt",
      "secrets/db.json",
    ]) {
      expect(isPlaceholder(value), value).toBe(true);
    }
  });

  it("leaves random values alone", () => {
    for (const value of ["dV63sOpuUF#735!", "7f4369636d4b01cee5d52883666222b6", "Zt8/kLq2+Vw9=="]) {
      expect(isPlaceholder(value), value).toBe(false);
    }
  });
});
