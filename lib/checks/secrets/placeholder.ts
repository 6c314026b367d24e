/** Values that are exactly a stand-in word: configuration templates and docs use these. */
const DUMMY_WORDS = new Set([
  "password",
  "passwd",
  "secret",
  "token",
  "changeme",
  "changeit",
  "letmein",
  "admin",
  "root",
  "test",
  "testing",
  "example",
  "sample",
  "dummy",
  "default",
  "none",
  "null",
  "nil",
  "undefined",
  "true",
  "false",
  "empty",
  "redacted",
  "hidden",
  "masked",
  "required",
  "optional",
  "string",
  "value",
]);

/** Fragments that mark a made-up value ("your-api-token-here", "EXAMPLEKEY", "replace_me"). */
const DUMMY_FRAGMENTS = [
  "example",
  "placeholder",
  "changeme",
  "change_me",
  "change-me",
  "your",
  "dummy",
  "redacted",
  "replace",
  "insert",
  "xxxx",
  "****",
  "....",
  "<",
  ">",
  "todo",
  "fixme",
];

/** Template and shell expansions: ${VAR}, $(cmd), {{ var }}, %(var)s, #{var}, %VAR%, $VAR. */
const REFERENCE = /\$\{|\$\(|\{\{|\}\}|%\(|#\{|^%[A-Za-z_]\w*%$|^\$[A-Za-z_]\w*$/;

/** A path on disk, not a credential: "/run/secrets/db", "./token.txt", "~/.pgpass", "C:\\keys". */
const FILE_PATH =
  /^(?:\.{0,2}\/|~\/|[A-Za-z]:\\)[\w./\\-]*$|^[\w.-]+(?:\/[\w.-]+)*\.(?:txt|json|ya?ml|pem|key|crt|p12|pfx|jks|conf|cfg|ini|env|properties|xml|toml|asc|gpg|der|secret|token)$/;

/**
 * True when a value stands for a secret instead of being one. Only for values found by keyword
 * (generic assignments, URL passwords): provider tokens have formats that dummies rarely match.
 */
export function isPlaceholder(value: string): boolean {
  const lower = value.toLowerCase();
  if (DUMMY_WORDS.has(lower.replace(/[\d_-]+$/, ""))) return true;
  if (/^(.)\1*$/.test(value)) return true;
  if (REFERENCE.test(value) || FILE_PATH.test(value)) return true;
  return DUMMY_FRAGMENTS.some((fragment) => lower.includes(fragment));
}
