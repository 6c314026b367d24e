import { describe, expect, it } from "vitest";
import { findSecrets } from "../../../lib/checks/secrets/find-secrets.js";
import { fingerprintSecret, maskSecret } from "../../../lib/checks/secrets/mask.js";
import { SECRET_RULES } from "../../../lib/checks/secrets/rules.js";
import { expectedSecrets, listSamples, readSample } from "./samples.js";

const expected = expectedSecrets();

/** Per rule, strings of its shape that must not be reported (by any rule). */
const NEGATIVES: Record<string, string[]> = {
  "gcp-service-account-key": [
    '{"type": "authorized_user", "private_key": "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----\\n"}',
    '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\nREDACTED\\n-----END PRIVATE KEY-----\\n"}',
  ],
  "private-key": [
    readSample("generated-negative", "rsa-public.pem"),
    readSample("generated-negative", "certificate.pem"),
  ],
  "openssh-private-key": [readSample("generated-negative", "id_ed25519.pub")],
  "encrypted-private-key": [
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n<base64>\n-----END ENCRYPTED PRIVATE KEY-----",
  ],
  "pgp-private-key": [readSample("generated-negative", "pgp-public.asc")],
  "aws-access-key-id": [
    "AWS=AKIB3MSJV4WJQ7BKX2PA",
    "AKIAIOSFODNN7EXAMPLE",
    "AKIA3MSJV4WJQ7",
    "AKIAAAAAAAAAAAAAAAAA",
  ],
  "aws-secret-access-key": [
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "aws_secret_access_key = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "aws_region = 9s8dKJ2/fj38sLQpx+3kdJf83nXkaP0qLmWz7RtY",
  ],
  "azure-storage-account-key": [
    "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    "AccountKey=dGhpcyBpcyBub3QgYSBrZXk=",
  ],
  "github-pat": ["GITHUB=ghp_S0KAUgipONalW3Y754bm", "GITHUB=ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"],
  "github-fine-grained-pat": ["GH=github_pat_jQ68qU04zULvTeSOmM7h4d"],
  "github-oauth-token": ["GH=gho_000000000000000000000000000000000000"],
  "github-app-token": ["GH=ghx_S0KAUgipONalW3Y754bmi4ezLnvJdjdMQPgO"],
  "github-refresh-token": ["GH=ghr_S0KAUgipON"],
  "gitlab-pat": ["GITLAB=glpat_Xy3kP9qLm2Vb7Rt5Wn8Z", "GITLAB=glpat-Xy3kP9qLm2"],
  "gitlab-deploy-token": ["GITLAB=gldt-short"],
  "gitlab-runner-token": ["GITLAB=glrt-aaaaaaaaaaaaaaaaaaaaaaaa"],
  "gitlab-pipeline-trigger-token": ["TRIGGER=glptt-XYZ3kP9qLm2Vb7Rt5Wn8ZXYZ3kP9qLm2Vb7Rt5Wn8"],
  "slack-token": ["SLACK=xoxz-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy", "SLACK=xoxb-1765-pdFZKVe"],
  "slack-webhook-url": ["https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"],
  "stripe-secret-key": [
    "STRIPE=sk_prod_4eC39HqLyjWDarjtT1zdp7dcTYooMQauvdEDq54NiTphI7jx",
    "STRIPE=sk_live_4eC39HqLyj",
  ],
  "stripe-test-secret-key": ["STRIPE=sk_test_XXXXXXXXXXXXXXXXXXXXXXXX"],
  "npm-access-token": [
    "NPM=npn_k3Jd8s0LmQp2Zx7Vb5Nc9Rt4Yw6Ue1Io3Pa8",
    "npm_config_cache=/tmp/npm-cache-directory",
  ],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal shell reference under test
  "npmrc-auth-token": ["//registry.npmjs.org/:_authToken=${NPM_TOKEN}"],
  "pypi-upload-token": [
    "PYPI=pypi-AgEIcHlwaS5uZXQCJGI5ZmQ2N2YxLTc0NDMtNDk4Zi04YzFiLWUxNWY4ZDI1Zjk0NQACJXsicGVybWlzc2lv",
  ],
  jwt: [
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    // Shaped like a JWT, but the header is not JSON naming an algorithm.
    "eyJub3RoaW5nIjoxfQ.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV",
  ],
  "docker-config-auth": ['{"auths": {"registry.internal": {"auth": "bm90LWEtcGFpcg=="}}}'],
  "basic-auth-url": [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal shell reference under test
    "postgres://app:${PGPASSWORD}@db.internal:5432/app",
    "postgres://user:password@localhost/app",
    "https://user:Zx9vQ2mLp7@example.com/",
    "mailto://someone@example.org",
  ],
  "generic-secret": [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal shell reference under test
    "password: ${DB_PASSWORD}",
    'token = "<your-token>"',
    "api_key: xxxxxxxxxxxxxxxxxxxxxxxx",
    'password = os.environ["DB_PASSWORD"]',
    "password_file: /run/secrets/db_password",
    'DB_PASSWORD="aaaaaaaaaaaaaaaa"',
  ],
};

describe("secret rules", () => {
  it("have unique kebab-case ids, lowercase keywords and a `secret` group", () => {
    const ids = SECRET_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of SECRET_RULES) {
      expect(rule.id).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
      expect(rule.keywords.length).toBeGreaterThan(0);
      for (const k of rule.keywords) expect(k).toBe(k.toLowerCase());
      expect(rule.regex.source).toContain("(?<secret>");
      expect(rule.regex.flags).toContain("g");
    }
  });

  it("each have a generated positive sample and negative samples", () => {
    const covered = new Set(Object.values(expected).flatMap((list) => list.map((e) => e.ruleId)));
    for (const rule of SECRET_RULES) {
      expect(covered, rule.id).toContain(rule.id);
      expect(NEGATIVES[rule.id]?.length ?? 0, rule.id).toBeGreaterThan(0);
    }
  });

  for (const name of listSamples("positive")) {
    it(`finds exactly the expected secrets in positive/${name}`, () => {
      const want = expected[name];
      expect(want, "sample missing from expected.json").toBeDefined();
      const found = findSecrets(readSample("positive", name));
      expect(found.map((f) => [f.ruleId, f.line, f.fingerprint, f.match])).toEqual(
        (want ?? []).map((e) => [e.ruleId, e.line, fingerprintSecret(e.value), maskSecret(e.value)]),
      );
    });
  }

  for (const dir of ["negative", "generated-negative"] as const) {
    for (const name of listSamples(dir)) {
      it(`reports nothing in ${dir}/${name}`, () => {
        expect(findSecrets(readSample(dir, name))).toEqual([]);
      });
    }
  }

  for (const [ruleId, samples] of Object.entries(NEGATIVES)) {
    it(`${ruleId}: rejects near misses`, () => {
      for (const sample of samples) expect(findSecrets(sample), sample).toEqual([]);
    });
  }

  it("report PEM keys whether written as lines or as a JSON string, with one fingerprint", () => {
    const pem = readSample("positive", "rsa-pkcs8.pem");
    const json = JSON.stringify({ type: "service_account", private_key: pem });
    const [inFile] = findSecrets(pem);
    const [inJson] = findSecrets(json);
    expect(inFile?.ruleId).toBe("private-key");
    expect(inJson?.ruleId).toBe("gcp-service-account-key");
    expect(inJson?.fingerprint).toBe(inFile?.fingerprint);
  });

  it("tell encrypted keys from plain ones by their structure, not only their label", () => {
    // Same label ("RSA PRIVATE KEY" / "OPENSSH PRIVATE KEY") in both files of each pair.
    expect(findSecrets(readSample("positive", "rsa-pkcs1.pem")).map((f) => f.ruleId)).toEqual([
      "private-key",
    ]);
    expect(findSecrets(readSample("positive", "rsa-pkcs1-encrypted.pem")).map((f) => f.ruleId)).toEqual([
      "encrypted-private-key",
    ]);
    expect(findSecrets(readSample("positive", "id_ed25519")).map((f) => f.ruleId)).toEqual([
      "openssh-private-key",
    ]);
    expect(findSecrets(readSample("positive", "id_ed25519_encrypted")).map((f) => f.severity)).toEqual([
      "MEDIUM",
    ]);
  });
});
