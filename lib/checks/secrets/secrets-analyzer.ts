import type { Analyzer, AnalyzerResult } from "../../analyzers/types.js";
import { isAllowedSecretPath } from "./allow-rules.js";
import { findSecrets } from "./find-secrets.js";
import { looksLikeText } from "./text-content.js";

const MiB = 1024 * 1024;
/** Config files, scripts and source files holding secrets are small; bigger text is data or logs. */
const MAX_FILE_SIZE = 2 * MiB;

/** Extensions that are never text: images, media, fonts, archives, packages, compiled code. */
const BINARY_EXTENSIONS = new Set(
  (
    "png jpg jpeg gif bmp ico webp tif tiff psd xcf avif heic " +
    "mp3 mp4 m4a ogg oga opus flac wav avi mkv mov webm " +
    "ttf otf woff woff2 eot pfb pcf " +
    "gz tgz bz2 tbz2 xz txz lz4 lzma zst zstd z zip 7z rar tar cpio ar " +
    "deb udeb rpm apk jar war ear aar whl egg nupkg gem crate " +
    "o a lo obj so dll dylib exe bin elf ko pyc pyo pyd class dex wasm beam " +
    "db sqlite sqlite3 mo gmo cache pack idx"
  ).split(" "),
);

/** The extension, for names like "libc.so.6" too (".so" followed by version numbers). */
function isBinaryName(path: string): boolean {
  const name = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
  if (/\.so(?:\.\d+)*$/.test(name)) return true;
  const dot = name.lastIndexOf(".");
  return dot > 0 && BINARY_EXTENSIONS.has(name.slice(dot + 1));
}

/**
 * Credentials in any text file of any layer, found during the one walk. Only masked values and
 * fingerprints leave `analyze`. Binaries are refused by name, then by their first bytes.
 */
export const secretsAnalyzer: Analyzer = {
  name: "secrets",
  version: 1,
  maxFileSize: MAX_FILE_SIZE,
  // An empty result says nothing: keep no path record for the (many) files without secrets.
  sparse: true,
  required(path: string, size: number): boolean {
    return size > 0 && size <= MAX_FILE_SIZE && !isBinaryName(path) && !isAllowedSecretPath(path);
  },
  acceptsContent(head: Buffer): boolean {
    return looksLikeText(head);
  },
  analyze({ bytes }): AnalyzerResult {
    // The walk may buffer a file for another analyzer, or before it honours acceptsContent.
    if (!looksLikeText(bytes) || bytes.indexOf(0) !== -1) return {};
    const secrets = findSecrets(bytes.toString("utf8"));
    return secrets.length > 0 ? { secrets } : {};
  },
};
