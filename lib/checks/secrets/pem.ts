/** Helpers for private-key blocks: PEM (PKCS#1, PKCS#8, SEC1), OpenSSH and PGP armor. */

/**
 * The key material without line breaks, whether the block was written as lines or embedded in a
 * JSON or code string with "\n" escapes: the same key then has the same fingerprint everywhere.
 */
export function canonicalKeyBody(body: string): string {
  return body.replace(/\\[nr]|\s+/g, "");
}

/** Documentation writes "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END ...": no key material. */
export function hasKeyMaterial(body: string): boolean {
  return /[A-Za-z0-9+/]{64}/.test(canonicalKeyBody(body));
}

/** Legacy OpenSSL encryption of a PKCS#1/SEC1 key announces itself in a header. */
function hasEncryptedHeader(body: string): boolean {
  return /Proc-Type:\s*4,\s*ENCRYPTED/.test(body);
}

/**
 * An OpenSSH key ("openssh-key-v1\0", then the cipher name as a length-prefixed string) is
 * encrypted unless the cipher is "none". Undecodable material counts as not encrypted.
 */
function isEncryptedOpenSsh(body: string): boolean {
  const bytes = Buffer.from(canonicalKeyBody(body).replace(/[^A-Za-z0-9+/=]/g, ""), "base64");
  const magic = "openssh-key-v1\0";
  if (bytes.length < magic.length + 4 || bytes.toString("latin1", 0, magic.length) !== magic) return false;
  const length = bytes.readUInt32BE(magic.length);
  const start = magic.length + 4;
  if (length === 0 || start + length > bytes.length) return false;
  return bytes.toString("latin1", start, start + length) !== "none";
}

/** Whether a PEM or OpenSSH block with this label and body needs a passphrase to be used. */
export function isEncryptedKey(label: string, body: string): boolean {
  if (label === "ENCRYPTED PRIVATE KEY") return true;
  if (label === "OPENSSH PRIVATE KEY") return isEncryptedOpenSsh(body);
  return hasEncryptedHeader(body);
}
