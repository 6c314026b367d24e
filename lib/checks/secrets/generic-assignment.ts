import { characterClasses, shannonEntropy } from "./entropy.js";
import { isPlaceholder } from "./placeholder.js";

/** What the generic rule's regex captured around one `key = value` assignment. */
export interface Assignment {
  /** The keyword that matched ("password", "token", ...), as written. */
  keyword: string;
  /** Identifier characters after the keyword ("_file" in "password_file"). */
  suffix: string;
  /** Identifier characters before the keyword ("csrf_" in "csrf_token"). */
  prefix: string;
  /** The text between the start of the line and `prefix`. */
  lineStart: string;
  /** The opening quote, or "" for a bare value. */
  quote: string;
  value: string;
  /** The character right after the value, or "" at the end of the text. */
  after: string;
}

/** Keys that name something about a secret, not the secret: password_file, token_url, key ids ... */
const NOT_A_SECRET_SUFFIX =
  /file|path|dir|^[_.-]?id$|ur[li]|name|type|len|size|env|var|field|prompt|policy|format|pattern|regex|expir|time|ttl|count|header|endpoint|label|hash|salt|iz|manager|store|provider|ref|source|mode|enable|require|min|max|hint|reset|valid|placeholder|cmd|command|method|scheme|version|rotat|length|limit|help|question/i;

/** Keys that are flags or short-lived page state: no_password, use_token, csrf_token, next_token ... */
const NOT_A_SECRET_PREFIX =
  /(?:^|[_.-]|[a-z](?=[A-Z]))(?:no|is|has|use|show|hide|enable|disable|forgot|reset|confirm|verify|csrf|xsrf|next|page|prev|continuation|cancel|max|min|default|require|check|validate|hashed|encrypted|public|sync)[_.-]?$/i;

/** A bare value that is code, not a literal: config.db.password, getToken, self.secret. */
const CODE_REFERENCE = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/;

/** A value naming a secret ("X-Amz-Security-Token", "MasterUserPassword") is a label, not one. */
const NAMES_A_SECRET = /pass(?:word|wd)|secret|token|(?:api|access|auth|private)[_-]?key/i;

/**
 * What may precede a key whose value is bare (unquoted) on its line: indentation, "export",
 * Dockerfile ENV/ARG, a YAML list dash, a quote. Bare values in the middle of a line are code.
 */
const LINE_START_KEY = /^[ \t]*(?:(?:export|set|ENV|ARG)[ \t]+|-[ \t]+|["'])?$/;

/**
 * A bare value counts only as the whole value of a `key=value` line (env files, YAML, INI) and
 * only when it cannot be code: calls, indexing, templates, variables, attribute chains.
 */
function isBareValue(a: Assignment): boolean {
  if (a.after !== "" && !/[\s;,]/.test(a.after)) return false;
  if (!LINE_START_KEY.test(a.lineStart)) return false;
  // Generated values nearly always hold a digit; identifiers and attribute chains rarely do.
  if (CODE_REFERENCE.test(a.value) && !/\d/.test(a.value)) return false;
  return !/[([{<$]/.test(a.value);
}

/** People choose passwords: shorter and less random than generated tokens, so weighted up. */
const PASSWORD_KEYWORD = /^pass/i;

/** Points a value needs; see `assignmentScore`. */
export const MIN_GENERIC_SCORE = 3;

/**
 * Keyword + entropy + length: +2 for >= 4 bits/char (+1 for >= 3), +2 for >= 32 characters (+1
 * for >= 16), +1 for mixing 3+ character classes (-1 for a single class), +1 for a password key.
 * Below 2.5 bits/char a value is words or a pattern, never a generated secret.
 */
export function assignmentScore(keyword: string, value: string): number {
  const entropy = shannonEntropy(value);
  if (entropy < 2.5) return 0;
  const classes = characterClasses(value);
  let score = entropy >= 4 ? 2 : entropy >= 3 ? 1 : 0;
  score += value.length >= 32 ? 2 : value.length >= 16 ? 1 : 0;
  score += classes >= 3 ? 1 : classes === 1 ? -1 : 0;
  if (PASSWORD_KEYWORD.test(keyword)) score += 1;
  return score;
}

/** A type or constant name, maybe behind a sigil: "_EllipticCurvePrivateKey", "?NonExpressionEnd". */
const IDENTIFIER_NAME = /^[?_$@#:]*(?:[A-Z]+[a-z]*|[a-z]+)(?:[A-Z]+[a-z]*)+$/;

/** A URL without credentials: a link, not a secret (URLs with user:password@ have their own rule). */
const PLAIN_URL = /^[a-z][a-z0-9+.-]*:\/\/[^@\s]*$/i;

/** Example values that specifications and their reference libraries quote (RFC 6749 section 4). */
const SPECIFICATION_EXAMPLES = new Set(["2YotnFZFEjr1zCsicMWpAA", "tGzv3JOkF0XG5Qx2TlKWIA"]);

/** Whether a generic `password|secret|token = value` assignment holds a plausible literal secret. */
export function isLikelySecretAssignment(a: Assignment): boolean {
  if (a.quote ? a.after !== a.quote : !isBareValue(a)) return false;
  if (NOT_A_SECRET_SUFFIX.test(a.suffix) || NOT_A_SECRET_PREFIX.test(a.prefix)) return false;
  if (isPlaceholder(a.value) || NAMES_A_SECRET.test(a.value)) return false;
  // "::" is a scope operator (C++, Ruby, PHP, Perl), not an assignment.
  if (a.value.startsWith(":")) return false;
  // Keys are ASCII; text in other scripts is a message (translations, UI strings).
  if (/[^\x20-\x7e]/.test(a.value)) return false;
  if (IDENTIFIER_NAME.test(a.value) || PLAIN_URL.test(a.value) || SPECIFICATION_EXAMPLES.has(a.value))
    return false;
  return assignmentScore(a.keyword, a.value) >= MIN_GENERIC_SCORE;
}
