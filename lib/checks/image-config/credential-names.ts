/** Name segments that on their own say "this holds a credential". */
const CREDENTIAL_WORDS = new Set([
  "PASSWORD",
  "PASSWD",
  "PASS",
  "PASSPHRASE",
  "PWD",
  "SECRET",
  "TOKEN",
  "APIKEY",
  "CREDENTIAL",
  "CREDENTIALS",
]);

/** "<first> KEY" pairs that name a key which is secret (a plain "KEY", like GPG_KEY, may be public). */
const SECRET_KEY_QUALIFIERS = new Set([
  "API",
  "ACCESS",
  "PRIVATE",
  "SECRET",
  "AUTH",
  "ENCRYPTION",
  "MASTER",
  "SIGNING",
]);

/** A last segment that makes the variable point at where a credential is, not hold it. */
const REFERENCE_SUFFIXES = new Set(["FILE", "FILES", "FILENAME", "PATH", "DIR", "LOCATION"]);

/** A last segment that makes the variable describe a credential (its id, length, lifetime …). */
const DESCRIPTIVE_SUFFIXES = new Set([
  "ENDPOINT",
  "URL",
  "ID",
  "NAME",
  "TYPE",
  "HEADER",
  "LENGTH",
  "LEN",
  "MIN",
  "MAX",
  "TTL",
  "TIMEOUT",
  "EXPIRY",
  "ENABLED",
  "STDIN",
]);

/** "DB_PASSWORD", "dbPassword", "com.example.api-token" → ["DB","PASSWORD"], ["DB","PASSWORD"] … */
function segments(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter((part) => part !== "");
}

/**
 * True for names like DB_PASSWORD, NPM_TOKEN, AWS_SECRET_ACCESS_KEY; false for *_FILE, *_PATH,
 * GPG_KEY (a public key id) and PWD.
 */
export function isCredentialName(name: string): boolean {
  const parts = segments(name);
  const last = parts[parts.length - 1];
  if (last === undefined || REFERENCE_SUFFIXES.has(last) || DESCRIPTIVE_SUFFIXES.has(last)) return false;
  // PWD alone is the shell's working directory, not a password.
  if (parts.length === 1 && last === "PWD") return false;
  return parts.some(
    (part, i) =>
      CREDENTIAL_WORDS.has(part) || (part === "KEY" && SECRET_KEY_QUALIFIERS.has(parts[i - 1] ?? "")),
  );
}

/** True when the name says the variable holds a reference to a credential (a file, a path …). */
export function isReferenceName(name: string): boolean {
  const last = segments(name).at(-1);
  return last !== undefined && REFERENCE_SUFFIXES.has(last);
}

const NOT_A_SECRET = new Set(["true", "false", "yes", "no", "on", "off", "none", "null", "0", "1"]);

/**
 * True when the value is a literal that could be the credential itself: not empty, not a path,
 * a variable reference, a secret-manager pointer or a feature flag.
 */
export function isLiteralValue(value: string): boolean {
  const text = value.trim();
  if (text === "" || NOT_A_SECRET.has(text.toLowerCase())) return false;
  if (/^(?:\/|\.\.?\/|~\/)/.test(text)) return false;
  if (/^\$(?:\{?\w+\}?)$/.test(text)) return false;
  if (/^(?:file|env|vault|secret|secretsmanager|ssm|arn):/i.test(text)) return false;
  return true;
}
