import { describe, expect, it } from "vitest";
import { assignmentSecret } from "../../../lib/checks/image-config/assignment-secrets.js";
import { isCredentialName, isLiteralValue } from "../../../lib/checks/image-config/credential-names.js";
import { redactCommand } from "../../../lib/checks/image-config/redact.js";
import type { SecretMatch } from "../../../lib/checks/types.js";

/** Flags "AKIA" keys and a PEM header (which spans a space), masked like the secrets engine. */
function fakeFindSecrets(text: string): SecretMatch[] {
  const patterns: Array<[string, RegExp]> = [
    ["aws-access-key-id", /AKIA[0-9A-Z]{16}/g],
    ["private-key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/g],
  ];
  return patterns.flatMap(([ruleId, pattern]) =>
    [...text.matchAll(pattern)].map((m) => ({
      ruleId,
      category: "test",
      title: ruleId,
      severity: "CRITICAL" as const,
      line: 1,
      match: `${m[0].slice(0, 4)}${"*".repeat(m[0].length - 4)}`,
      fingerprint: `sha256:${m[0].length}`,
    })),
  );
}
const noSecrets = (): SecretMatch[] => [];

describe("isCredentialName", () => {
  it.each([
    "DB_PASSWORD",
    "MYSQL_ROOT_PASSWORD",
    "dbPassword",
    "NPM_TOKEN",
    "GITHUB_TOKEN",
    "AWS_SECRET_ACCESS_KEY",
    "API_KEY",
    "STRIPE_APIKEY",
    "CLIENT_SECRET",
    "SECRET_KEY_BASE",
    "SSH_PASSPHRASE",
    "DB_PASS",
    "com.example.deploy-token",
  ])("%s names a credential", (name) => {
    expect(isCredentialName(name)).toBe(true);
  });

  it.each([
    "PATH",
    "PWD",
    "GPG_KEY",
    "GPG_KEYS",
    "POSTGRES_PASSWORD_FILE",
    "SSL_KEY_PATH",
    "TOKEN_TTL",
    "PASSWORD_MIN_LENGTH",
    "AWS_ACCESS_KEY_ID",
    "TOKENIZERS_PARALLELISM",
    "BYPASS_CACHE",
    "AUTH_ENABLED",
  ])("%s does not", (name) => {
    expect(isCredentialName(name)).toBe(false);
  });
});

describe("isLiteralValue", () => {
  it.each(["hunter2", "changeme", "x"])("%j is a literal", (value) =>
    expect(isLiteralValue(value)).toBe(true),
  );
  it.each([
    "",
    "  ",
    "/run/secrets/pw",
    "./pw.txt",
    "$DB_PASSWORD",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable reference, not a template
    "${DB_PASSWORD}",
    "vault:secret/db",
    "true",
    "0",
  ])("%j is not", (value) => expect(isLiteralValue(value)).toBe(false));
});

describe("assignmentSecret", () => {
  it("prefers the secret rule's mask and rule ids", () => {
    expect(assignmentSecret("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", fakeFindSecrets)).toMatchObject({
      masked: "AKIA****************",
      ruleIds: ["aws-access-key-id"],
      severity: "CRITICAL",
    });
  });

  it("ignores *_FILE references even when a rule would match the value", () => {
    expect(assignmentSecret("KEY_FILE", "AKIAIOSFODNN7EXAMPLE", fakeFindSecrets)).toBeUndefined();
  });

  it("flags URLs with a password whatever the name", () => {
    expect(assignmentSecret("DATABASE_URL", "mysql://app:pw123456@db/app", noSecrets)?.masked).toBe(
      "mysql://app:****@…",
    );
    expect(assignmentSecret("DATABASE_URL", "mysql://db/app", noSecrets)).toBeUndefined();
  });
});

describe("redactCommand", () => {
  it.each([
    ["curl -fsSL https://user:pa55word@example.com/x", "curl -fsSL https://user:****@example.com/x"],
    ["git clone https://ghs_tokentokentoken@github.com/o/r", "git clone https://****@github.com/o/r"],
    ["wget https://example.com/a?sig=abc123&x=1 -O a", "wget https://example.com/a?sig=****&x=**** -O a"],
    ["DB_PASSWORD=hunter2 ./migrate", "DB_PASSWORD=******** ./migrate"],
    ["mysql --password=hunter2 -e 'select 1'", "mysql --password=******** -e 'select 1'"],
    ["tool --verbose --token abcdef run", "tool --verbose --token ******** run"],
    ["docker login --password-stdin registry", "docker login --password-stdin registry"],
    [
      'curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.x.y" url',
      'curl -H "Authorization: Bearer ****" url',
    ],
    ["curl -u admin:hunter2 https://example.com", "curl -u admin:**** https://example.com"],
    [
      "aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE",
      "aws configure set aws_access_key_id AKIA****************",
    ],
    ["apt-get update && apt-get install -y curl", "apt-get update && apt-get install -y curl"],
  ])("%s", (command, expected) => {
    expect(redactCommand(command, fakeFindSecrets)).toBe(expected);
  });

  it("withholds a command when a secret spans tokens", () => {
    expect(redactCommand("printf '-----BEGIN RSA PRIVATE KEY-----\\nMIIE' > key", fakeFindSecrets)).toBe(
      "[command withheld: it contains a secret]",
    );
  });

  it("truncates long commands", () => {
    const redacted = redactCommand(`echo ${"a".repeat(500)}`, noSecrets);
    expect(redacted).toHaveLength(201);
    expect(redacted.endsWith("…")).toBe(true);
  });
});
