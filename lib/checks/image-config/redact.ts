import { isCredentialName, isLiteralValue } from "./credential-names.js";
import type { FindSecrets } from "./input.js";
import { MASKED } from "./mask.js";

const MAX_COMMAND = 200;
const WITHHELD = "[command withheld: it contains a secret]";

/**
 * A history command safe to print: credentials in URLs, NAME=value pairs, --password style flags,
 * curl -u user:password and auth headers are masked, as is any token a secret rule matches. If a
 * rule still matches the result (a secret spanning spaces), the command is withheld entirely.
 */
export function redactCommand(command: string, findSecrets: FindSecrets): string {
  let text = command
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^\s/:@'"]+):[^\s/@'"]+@/gi, "$1$2:****@")
    // A token alone as userinfo (https://<token>@github.com/…).
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/:@'"]+@/gi, "$1****@")
    .replace(/([?&][\w.-]+=)[^\s&#'"]+/g, "$1****")
    .replace(/\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{8,}/gi, "$1 ****")
    .replace(/(\s(?:-u|--user)\s+)([^\s:]+):[^\s"']+/g, "$1$2:****")
    .replace(
      /(--?[A-Za-z][\w-]*)(=|\s+)("[^"]*"|'[^']*'|[^\s"'-][^\s"']*)/g,
      (whole, flag: string, sep: string, value: string) =>
        credentialFlag(flag, sep) && isLiteralValue(unquote(value)) ? `${flag}${sep}${MASKED}` : whole,
    )
    .replace(
      /\b([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|[^\s"';&|]+)/g,
      (whole, name: string, value: string) =>
        isCredentialName(name) && isLiteralValue(unquote(value)) ? `${name}=${MASKED}` : whole,
    );
  text = text
    .split(/(\s+)/)
    .map((token) => {
      const match = token.trim() === "" ? undefined : findSecrets(token)[0];
      return match === undefined ? token : match.match;
    })
    .join("");
  if (findSecrets(text).length > 0) return WITHHELD;
  return text.length > MAX_COMMAND ? `${text.slice(0, MAX_COMMAND)}…` : text;
}

/** --password=x and --token x mask; --password-stdin or --password-file take no secret. */
function credentialFlag(flag: string, separator: string): boolean {
  const name = flag.replace(/^-+/, "");
  if (separator.trim() === "=") return isCredentialName(name);
  return /^(?:password|passwd|token|secret|api-?key|auth-token|access-token)$/i.test(name);
}

function unquote(value: string): string {
  const quoted = /^(["'])(.*)\1$/s.exec(value);
  return quoted === null ? value : (quoted[2] ?? "");
}
