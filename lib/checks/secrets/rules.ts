import type { CheckSeverity } from "../types.js";
import { isLikelySecretAssignment } from "./generic-assignment.js";
import { canonicalKeyBody, hasKeyMaterial, isEncryptedKey } from "./pem.js";
import { isPlaceholder } from "./placeholder.js";

/**
 * One kind of credential. Regexes are global, name the value `secret`, bound every repetition
 * and start at a literal where they can, so a hostile file costs linear time.
 */
export interface SecretRule {
  /** Stable kebab-case id, e.g. "aws-access-key-id". */
  id: string;
  category: string;
  title: string;
  severity: CheckSeverity;
  /** Lowercase; the regex runs only when the lowercased text contains one of these. */
  keywords: readonly string[];
  regex: RegExp;
  /**
   * Every match starts with one of `keywords` (in any case): the regex is then tried only where
   * they occur instead of scanning the text again. For keyword-led regexes that the engine cannot
   * scan for quickly (the `i` flag, an alternation first).
   */
  anchored?: boolean;
  /** Values below this Shannon entropy (bits per character) are patterns, not keys. */
  minEntropy?: number;
  /** Values published in the provider's own documentation. */
  allow?: readonly string[];
  /** What the regex cannot express: a structure to decode, a context to look at. */
  verify?(secret: string, match: RegExpExecArray): boolean;
  /** The form masked and fingerprinted, when the text can spell one secret several ways. */
  canonical?(secret: string): string;
}

// Identifier characters that must not touch a token on either side: a longer word is not a token.
const B = "(?<![A-Za-z0-9_])";
const E = "(?![A-Za-z0-9_])";
// Key/value separators of env files, YAML, JSON, INI, shell, Go, Ruby and PHP.
const ASSIGN = `["']?[ \\t]*(?:=|:=|:|=>)[ \\t]*["']?`;
// The body of a PEM block up to the next "-----": linear even when no END follows.
const PEM_BODY = "(?<secret>[^-]*(?:-(?!----)[^-]*)*)";

function token(prefix: string, body: string, flags = "g"): RegExp {
  return new RegExp(`${B}(?<secret>${prefix}${body})${E}`, flags);
}

function pemBlock(labels: string): RegExp {
  return new RegExp(`-----BEGIN (?<label>${labels})-----${PEM_BODY}-----END \\k<label>-----`, "g");
}

function label(match: RegExpExecArray): string {
  return match.groups?.label ?? "";
}

/** JWT segments are base64url JSON: the header must decode to an object naming an algorithm. */
function isJwt(secret: string): boolean {
  try {
    const header = JSON.parse(Buffer.from(secret.slice(0, secret.indexOf(".")), "base64url").toString());
    return typeof header === "object" && header !== null && typeof header.alg === "string";
  } catch {
    return false;
  }
}

/** A docker config "auth" is base64 of "user:password". */
function isDockerAuth(secret: string): boolean {
  const clear = Buffer.from(secret, "base64").toString("latin1");
  const colon = clear.indexOf(":");
  return colon > 0 && colon < clear.length - 1 && /^[\x20-\x7e]+$/.test(clear);
}

/** RFC 2606 names documentation uses for made-up hosts. */
const EXAMPLE_HOST = /(?:^|\.)(?:example(?:\.(?:com|net|org))?|invalid|localdomain\.test)$/i;

/** scheme://user:password@host, where the password is a value and the URL not a docs example. */
function isUrlCredential(secret: string, match: RegExpExecArray): boolean {
  const before = match.index > 0 ? match.input.charAt(match.index - 1) : "";
  if (!/[A-Za-z0-9]/.test(before)) return false;
  const { user = "", host = "" } = match.groups ?? {};
  if (EXAMPLE_HOST.test(host) || secret === user) return false;
  return !isPlaceholder(secret) && !/^(?:pass|pw|pwd|user|username|p(?:ass)?w(?:or)?d\d*)$/i.test(secret);
}

const GENERIC_KEYWORDS =
  "pass(?:word|wd)|secret|token|api[_-]?key|access[_-]?key|auth[_-]?key|private[_-]?key";

function isGenericSecret(secret: string, match: RegExpExecArray): boolean {
  const { keyword = "", suffix = "", quote = "" } = match.groups ?? {};
  const input = match.input;
  const end = match.index + match[0].length;
  let start = match.index;
  while (start > 0 && match.index - start < 32 && /[A-Za-z0-9_.-]/.test(input.charAt(start - 1))) start -= 1;
  // Only the last 200 characters: a minified file's line is megabytes long.
  const before = input.slice(Math.max(0, start - 200), start);
  const newline = before.lastIndexOf("\n");
  return isLikelySecretAssignment({
    keyword,
    suffix,
    prefix: input.slice(start, match.index),
    lineStart: newline === -1 && start > 200 ? "…" : before.slice(newline + 1),
    quote,
    value: secret,
    after: input.charAt(end),
  });
}

/** Most specific first: where two rules match overlapping text, the earlier one is reported. */
export const SECRET_RULES: readonly SecretRule[] = [
  {
    id: "gcp-service-account-key",
    category: "GCP",
    title: "GCP service account private key",
    severity: "CRITICAL",
    keywords: ["service_account"],
    regex:
      /"private_key"\s*:\s*"-----BEGIN (?:RSA )?PRIVATE KEY-----(?<secret>[^"]{64,}?)-----END (?:RSA )?PRIVATE KEY-----/g,
    verify: hasKeyMaterial,
    canonical: canonicalKeyBody,
  },
  {
    id: "private-key",
    category: "Private key",
    title: "Private key (PEM)",
    severity: "HIGH",
    keywords: ["private key-----"],
    regex: pemBlock("(?:RSA |DSA |EC )?PRIVATE KEY"),
    verify: (secret, match) => hasKeyMaterial(secret) && !isEncryptedKey(label(match), secret),
    canonical: canonicalKeyBody,
  },
  {
    id: "openssh-private-key",
    category: "Private key",
    title: "OpenSSH private key",
    severity: "HIGH",
    keywords: ["begin openssh private key"],
    regex: pemBlock("OPENSSH PRIVATE KEY"),
    verify: (secret, match) => hasKeyMaterial(secret) && !isEncryptedKey(label(match), secret),
    canonical: canonicalKeyBody,
  },
  {
    id: "encrypted-private-key",
    category: "Private key",
    title: "Passphrase-protected private key",
    severity: "MEDIUM",
    keywords: ["private key-----"],
    regex: pemBlock("ENCRYPTED PRIVATE KEY|(?:RSA|DSA|EC|OPENSSH) PRIVATE KEY"),
    verify: (secret, match) => hasKeyMaterial(secret) && isEncryptedKey(label(match), secret),
    canonical: canonicalKeyBody,
  },
  {
    id: "pgp-private-key",
    category: "Private key",
    title: "PGP private key block",
    severity: "HIGH",
    keywords: ["begin pgp private key block"],
    regex: pemBlock("PGP PRIVATE KEY BLOCK"),
    verify: hasKeyMaterial,
    canonical: canonicalKeyBody,
  },
  {
    id: "aws-access-key-id",
    category: "AWS",
    title: "AWS access key id",
    severity: "HIGH",
    keywords: ["akia", "asia"],
    // Long-term (AKIA) and temporary (ASIA) key ids; the 16 characters are base32.
    regex: token("(?:AKIA|ASIA)", "[A-Z2-7]{16}"),
    minEntropy: 3,
    allow: ["AKIAIOSFODNN7EXAMPLE", "ASIAIOSFODNN7EXAMPLE"],
    verify: (secret) => !secret.endsWith("EXAMPLE"),
  },
  {
    id: "aws-secret-access-key",
    category: "AWS",
    title: "AWS secret access key",
    severity: "CRITICAL",
    keywords: ["aws", "secretaccesskey", "secret_access_key"],
    anchored: true,
    // 40 base64 characters assigned to a key naming both AWS and a secret.
    regex: new RegExp(
      `(?:aws[\\w.-]{0,32}?secret[\\w.-]{0,32}?|secret_?access_?key)${ASSIGN}(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`,
      "gi",
    ),
    minEntropy: 3.5,
    allow: ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"],
    verify: (secret) => !secret.includes("EXAMPLE"),
  },
  {
    id: "azure-storage-account-key",
    category: "Azure",
    title: "Azure storage account key",
    severity: "CRITICAL",
    keywords: ["accountkey"],
    anchored: true,
    // 64 random bytes in base64: 86 characters and "==".
    regex: /AccountKey[ \t]*[=:][ \t]*["']?(?<secret>[A-Za-z0-9+/]{86}==)(?![A-Za-z0-9+/=])/gi,
    minEntropy: 4,
    // The Azurite / storage emulator key, published by Microsoft.
    allow: ["Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="],
  },
  {
    id: "github-pat",
    category: "GitHub",
    title: "GitHub personal access token",
    severity: "CRITICAL",
    keywords: ["ghp_"],
    regex: token("ghp_", "[A-Za-z0-9]{36}"),
    minEntropy: 3,
  },
  {
    id: "github-fine-grained-pat",
    category: "GitHub",
    title: "GitHub fine-grained personal access token",
    severity: "CRITICAL",
    keywords: ["github_pat_"],
    regex: token("github_pat_", "[A-Za-z0-9]{22}_[A-Za-z0-9]{59}"),
    minEntropy: 3,
  },
  {
    id: "github-oauth-token",
    category: "GitHub",
    title: "GitHub OAuth access token",
    severity: "HIGH",
    keywords: ["gho_"],
    regex: token("gho_", "[A-Za-z0-9]{36}"),
    minEntropy: 3,
  },
  {
    id: "github-app-token",
    category: "GitHub",
    title: "GitHub App user-to-server or installation token",
    severity: "HIGH",
    keywords: ["ghu_", "ghs_"],
    regex: token("gh[us]_", "[A-Za-z0-9]{36}"),
    minEntropy: 3,
  },
  {
    id: "github-refresh-token",
    category: "GitHub",
    title: "GitHub refresh token",
    severity: "HIGH",
    keywords: ["ghr_"],
    regex: token("ghr_", "[A-Za-z0-9]{36,76}"),
    minEntropy: 3,
  },
  {
    id: "gitlab-pat",
    category: "GitLab",
    title: "GitLab personal access token",
    severity: "CRITICAL",
    keywords: ["glpat-"],
    // Legacy: 20 characters. Routable tokens: longer, then ".01." and a base36 checksum.
    regex: token("glpat-", "[A-Za-z0-9_-]{20,64}(?:\\.[0-9a-z]{2}\\.[0-9a-z]{9})?"),
    minEntropy: 3,
  },
  {
    id: "gitlab-deploy-token",
    category: "GitLab",
    title: "GitLab deploy token",
    severity: "HIGH",
    keywords: ["gldt-"],
    regex: token("gldt-", "[A-Za-z0-9_-]{20,64}"),
    minEntropy: 3,
  },
  {
    id: "gitlab-runner-token",
    category: "GitLab",
    title: "GitLab runner authentication token",
    severity: "HIGH",
    keywords: ["glrt-"],
    regex: token("glrt-", "[A-Za-z0-9_.-]{20,64}"),
    minEntropy: 3,
  },
  {
    id: "gitlab-pipeline-trigger-token",
    category: "GitLab",
    title: "GitLab pipeline trigger token",
    severity: "MEDIUM",
    keywords: ["glptt-"],
    regex: token("glptt-", "[0-9a-f]{40}"),
    minEntropy: 3,
  },
  {
    id: "slack-token",
    category: "Slack",
    title: "Slack bot, user, app or refresh token",
    severity: "HIGH",
    keywords: ["xoxb-", "xoxp-", "xoxa-", "xoxr-"],
    // xoxb-<team>-<bot>-<secret>, xoxp-<team>-<user>-<id>-<secret>, xoxa-2-..., xoxr-...
    regex: token("xox[bpar]-", "(?:[0-9]{1,14}-){1,3}[A-Za-z0-9]{16,64}"),
    minEntropy: 3,
  },
  {
    id: "slack-webhook-url",
    category: "Slack",
    title: "Slack incoming webhook URL",
    severity: "MEDIUM",
    keywords: ["hooks.slack.com"],
    regex:
      /hooks\.slack\.com\/services\/(?<secret>T[A-Z0-9]{6,12}\/B[A-Z0-9]{6,12}\/[A-Za-z0-9]{24})(?![A-Za-z0-9])/g,
    minEntropy: 3,
  },
  {
    id: "stripe-secret-key",
    category: "Stripe",
    title: "Stripe live secret or restricted key",
    severity: "CRITICAL",
    keywords: ["sk_live_", "rk_live_"],
    regex: token("[sr]k_live_", "[A-Za-z0-9]{24,247}"),
    minEntropy: 3,
  },
  {
    id: "stripe-test-secret-key",
    category: "Stripe",
    title: "Stripe test-mode secret key",
    severity: "LOW",
    keywords: ["sk_test_", "rk_test_"],
    regex: token("[sr]k_test_", "[A-Za-z0-9]{24,247}"),
    minEntropy: 3,
  },
  {
    id: "npm-access-token",
    category: "npm",
    title: "npm access token",
    severity: "HIGH",
    keywords: ["npm_"],
    regex: token("npm_", "[A-Za-z0-9]{36}"),
    minEntropy: 3,
  },
  {
    id: "npmrc-auth-token",
    category: "npm",
    title: "Registry auth token in an .npmrc",
    severity: "HIGH",
    keywords: ["_authtoken"],
    anchored: true,
    // Older and third-party registries: a UUID or any opaque string; ${NPM_TOKEN} never matches.
    regex: /_authToken[ \t]*=[ \t]*["']?(?<secret>[A-Za-z0-9._~+/=-]{16,512})(?![A-Za-z0-9._~+/=-])/gi,
    minEntropy: 3,
    verify: (secret) => !isPlaceholder(secret),
  },
  {
    id: "pypi-upload-token",
    category: "PyPI",
    title: "PyPI API token",
    severity: "HIGH",
    keywords: ["pypi-ageichlwas5vcmc", "pypi-agendgvzdc5wexbplm9yzw"],
    // A macaroon whose base64 starts with the issuing host: "pypi.org" or "test.pypi.org".
    regex: token("pypi-Ag(?:EIcHlwaS5vcmc|ENdGVzdC5weXBpLm9yZw)", "[A-Za-z0-9_-]{50,1000}"),
    minEntropy: 3,
  },
  {
    id: "jwt",
    category: "JWT",
    title: "JSON Web Token",
    severity: "MEDIUM",
    keywords: ["eyj"],
    // base64url('{"') is "eyJ": header and payload are JSON objects; the signature is not empty.
    // Nothing base64url may precede the token, so no scan can run over the start of another: linear.
    regex:
      /(?<![A-Za-z0-9_-])(?<secret>eyJ[A-Za-z0-9_-]{8,1000}\.eyJ[A-Za-z0-9_-]{8,8000}\.[A-Za-z0-9_-]{16,1000})(?![A-Za-z0-9_-])/g,
    minEntropy: 3,
    // The jwt.io example token.
    allow: [
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    ],
    verify: isJwt,
  },
  {
    id: "docker-config-auth",
    category: "Docker",
    title: "Registry credentials in a Docker config.json",
    severity: "HIGH",
    keywords: ['"auths"'],
    regex: /"auth"\s*:\s*"(?<secret>[A-Za-z0-9+/]{8,1024}={0,2})"/g,
    verify: isDockerAuth,
  },
  {
    id: "basic-auth-url",
    category: "URL credentials",
    title: "Password in a URL (scheme://user:password@host)",
    severity: "HIGH",
    keywords: ["://"],
    anchored: true,
    // Starts at "://" (a literal the engine can scan for); the scheme is checked by `verify`.
    regex:
      /:\/\/(?<user>[^\s:@/?#"'<>]{1,128}):(?<secret>[^\s:@/?#"'<>]{3,256})@(?<host>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}[A-Za-z0-9])?)/g,
    verify: isUrlCredential,
  },
  {
    id: "generic-secret",
    category: "Generic",
    title: "Hard-coded password, secret or token",
    severity: "MEDIUM",
    keywords: [
      "password",
      "passwd",
      "secret",
      "token",
      "apikey",
      "api_key",
      "api-key",
      "accesskey",
      "access_key",
      "access-key",
      "authkey",
      "auth_key",
      "auth-key",
      "privatekey",
      "private_key",
      "private-key",
    ],
    anchored: true,
    regex: new RegExp(
      `(?<keyword>${GENERIC_KEYWORDS})(?<suffix>[A-Za-z0-9_.-]{0,32})["']?[ \\t]*(?:=|:=|:|=>)(?![=>])[ \\t]*(?<quote>["'\`]?)(?<secret>[^\\s"'\`;,]{8,256})`,
      "gi",
    ),
    verify: isGenericSecret,
  },
];
