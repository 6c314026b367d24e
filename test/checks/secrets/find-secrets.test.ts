import { describe, expect, it } from "vitest";
import { findSecrets, MAX_MATCHES_PER_RULE } from "../../../lib/checks/secrets/find-secrets.js";
import { fingerprintSecret } from "../../../lib/checks/secrets/mask.js";

const GHP = "ghp_S0KAUgipONalW3Y754bmi4ezLnvJdjdMQPgO";

describe("findSecrets", () => {
  it("gives 1-based lines of the match start, across LF and CRLF", () => {
    const found = findSecrets(`# a\r\n\r\nexport GH=${GHP}\n\nother=${GHP.replace("S0", "T1")}\n`);
    expect(found.map((f) => [f.ruleId, f.line])).toEqual([
      ["github-pat", 3],
      ["github-pat", 5],
    ]);
  });

  it("matches keywords in any case", () => {
    expect(findSecrets("Aws_Secret_Access_Key = 9s8dKJ2/fj38sLQpx+3kdJf83nXkaP0qLmWz7RtY")[0]?.ruleId).toBe(
      "aws-secret-access-key",
    );
    expect(findSecrets('PASSWORD="Tr0ub4dor&3"')[0]?.ruleId).toBe("generic-secret");
  });

  it("reports the most specific rule where rules overlap", () => {
    const found = findSecrets(`token = "${GHP}"`);
    expect(found.map((f) => f.ruleId)).toEqual(["github-pat"]);
  });

  it("reports one value once per line but again on another line", () => {
    const found = findSecrets(`${GHP} ${GHP}\n${GHP}\n`);
    expect(found.map((f) => f.line)).toEqual([1, 2]);
    expect(new Set(found.map((f) => f.fingerprint))).toEqual(new Set([fingerprintSecret(GHP)]));
  });

  it("caps the matches a single file can produce", () => {
    const many = Array.from(
      { length: 500 },
      (_, i) => `ghp_${String(i).padStart(4, "0")}S0KAUgipONalW3Y754bmi4ezLnvJdjdM`,
    );
    expect(findSecrets(many.join("\n"))).toHaveLength(MAX_MATCHES_PER_RULE);
  });

  it("finds generic assignments in env, YAML, JSON, INI and code literals", () => {
    const text = [
      "DB_PASSWORD=dV63sOpuUF#735!",
      '  "clientSecret": "wmnyP8hSFFPkkeTR0llDsVB3xLTeifvH",',
      "api-key = 7f4369636d4b01cee5d52883666222b6",
      'const apiToken = "Qm9sdDEyMzQ1Njc4OTAxMjM0NTY3ODkw";',
      "ENV REGISTRY_PASSWORD=Zt8#kLq2Vw9!",
    ].join("\n");
    expect(findSecrets(text).map((f) => [f.ruleId, f.line])).toEqual([
      ["generic-secret", 1],
      ["generic-secret", 2],
      ["generic-secret", 3],
      ["generic-secret", 4],
      ["generic-secret", 5],
    ]);
  });

  it("ignores bare values in the middle of code lines", () => {
    expect(findSecrets("const t={token:e.token,secret:n.secretValue2,password:r};")).toEqual([]);
    expect(findSecrets("exports.Secret=exports.SecretStringValueBeta1=void 0;")).toEqual([]);
  });

  it("ignores shapes of real code and data that only look like assignments", () => {
    // Each line is the shape of a false positive seen in real installed files (C++ headers, Perl
    // and Python libraries, minified JavaScript, translations, CloudFormation type maps).
    const lines = [
      "    stop_token::_Stop_state_ref _M_state;",
      "    'Pod::Simple::PullParserEndToken'=> 'https://github.com/perl-pod/pod-simple/issues',",
      '    backend: "Backend", private_key: "_EllipticCurvePrivateKey", data: bytes',
      '\t\t\tlastSignificantToken = "?InterpolationInJSX";',
      '  "Expected_to_find_a_0_token_here_1007": "分析器预期在此处找到与“{0}”标记匹配的“{1}”。",',
      '  "AWS::IAM::AccessKey": "aws-cdk-lib/aws-iam.CfnAccessKey",',
      '    access_token="2YotnFZFEjr1zCsicMWpAA"',
    ];
    for (const line of lines) expect(findSecrets(`${line}\n`), line).toEqual([]);
    // The same keys with generated values still count.
    expect(findSecrets('private_key: "q8Zr2vXp9LmT4sWk7Yb3Nd6F"\n')).toHaveLength(1);
  });

  it("returns nothing for an empty text", () => {
    expect(findSecrets("")).toEqual([]);
  });

  // Each would take seconds or minutes with a backtracking-prone regex.
  const PATHOLOGICAL: Record<string, string> = {
    "1 MiB of 'a'": "a".repeat(1 << 20),
    "a 1 MiB line of keywords": "password=".repeat(116_000),
    "base64url with 'eyJ' everywhere": "-eyJ".repeat(262_144),
    "PEM headers without an end": "-----BEGIN RSA PRIVATE KEY-----\n".repeat(32_768),
    "'://' without credentials": "a://".repeat(262_144),
    "user:password starts without a host": "a://u:".repeat(174_762),
    "AKIA repeated": "AKIA".repeat(262_144),
    "token lines with short values": "token: aaaaaaaaaa\n".repeat(55_000),
    "an unterminated docker auth": `"auths" "auth": "${"A".repeat(1 << 20)}`,
    "an unterminated service-account key": `service_account "private_key": "-----BEGIN PRIVATE KEY-----${"A".repeat(1 << 20)}`,
    "slack prefixes": "xoxb-1-".repeat(150_000),
    "aws keyword soup": "aws_secret_".repeat(95_000),
  };
  for (const [name, text] of Object.entries(PATHOLOGICAL)) {
    it(`stays fast on ${name}`, () => {
      const started = performance.now();
      findSecrets(text);
      expect(performance.now() - started).toBeLessThan(1500);
    });
  }
});
