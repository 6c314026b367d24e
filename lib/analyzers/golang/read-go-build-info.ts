import { type ByteParser, readAt } from "../binary/byte-parser.js";
import { type Executable, findSection } from "../binary/executable.js";
import { fileOffsetOf, parseExecutable, readVirtual } from "../binary/parse-executable.js";
import type { GoBuildInfo } from "./go-build-info.js";
import { parseModInfo } from "./parse-mod-info.js";

/** "\xff Go buildinf:", at a 16-byte boundary at the start of Go's build info blob. */
const MAGIC = Buffer.from("ff20476f206275696c64696e663a", "hex");
const ALIGN = 16;
const HEADER_SIZE = 32;
/** How far from the start of the data Go itself looks for the blob. */
const SEARCH_WINDOW = 64 * 1024;
const MAX_VERSION_LENGTH = 4 * 1024;
/** Kubernetes-sized binaries record ~50 KiB of modules; more than this is corruption. */
const MAX_MODINFO_LENGTH = 16 * 1024 * 1024;
/** cmd/go's infoStart/infoEnd sentinels around the module text. */
const SENTINEL_LENGTH = 16;

export interface GoBuildInfoScan {
  /** Absent when the file is not a Go binary (or not an executable at all). */
  info?: GoBuildInfo;
  warnings: string[];
}

/**
 * Go's build info (debug/buildinfo.Read): the blob in `.go.buildinfo` (ELF), `__go_buildinfo`
 * (Mach-O) or the first writable data section, holding the Go version and the module text either
 * inline as varint-prefixed strings (Go >= 1.18, flags bit 2) or as pointers to Go string headers
 * (older Go), resolved through the file's segments.
 */
export function* readGoBuildInfo(fileSize: number): ByteParser<GoBuildInfoScan> {
  const exe = yield* parseExecutable(fileSize);
  if (!exe) return { warnings: [] };
  const warnings = [...exe.warnings];
  const start = dataStart(exe);
  if (!start) return { warnings };

  const window = yield* readAt(start.offset, Math.min(start.length, SEARCH_WINDOW));
  const at = findMagic(window);
  if (at === undefined) return { warnings };
  const headerOffset = start.offset + at;
  const header = yield* readAt(headerOffset, HEADER_SIZE);
  if (header.length < HEADER_SIZE) return { warnings: [...warnings, "Go build info header truncated"] };

  const ptrSize = header[14] as number;
  const flags = header[15] as number;
  const strings =
    (flags & 2) !== 0
      ? yield* readInlineStrings(headerOffset + HEADER_SIZE, start.offset + start.length)
      : yield* readPointerStrings(exe, header, ptrSize, flags !== 0);
  if (typeof strings === "string") return { warnings: [...warnings, strings] };
  const [version, modinfo] = strings;
  if (version.length === 0) return { warnings };

  const mod =
    modinfo.length >= 2 * SENTINEL_LENGTH + 1 && modinfo[modinfo.length - SENTINEL_LENGTH - 1] === 0x0a
      ? modinfo.subarray(SENTINEL_LENGTH, modinfo.length - SENTINEL_LENGTH).toString("utf8")
      : "";
  const parsed = parseModInfo(mod, version.toString("utf8"));
  return { info: parsed.info, warnings: [...warnings, ...parsed.warnings] };
}

/** Where Go looks for the blob: a dedicated section, else the first writable data. */
function dataStart(exe: Executable): { offset: number; length: number } | undefined {
  const named = findSection(exe, exe.format === "macho" ? "__go_buildinfo" : ".go.buildinfo");
  if (named && named.size >= HEADER_SIZE) return { offset: named.offset, length: named.size };
  let addr: number | undefined;
  if (exe.format === "elf") {
    // PT_LOAD that is writable but not executable.
    addr = exe.segments.find((s) => (s.flags & 3) === 2)?.addr;
  } else if (exe.format === "macho") {
    addr = exe.segments.find(
      (s) => s.addr !== 0 && s.fileSize !== 0 && s.flags === 3 && s.maxFlags === 3,
    )?.addr;
  } else {
    // IMAGE_SCN_CNT_INITIALIZED_DATA | MEM_READ | MEM_WRITE, ignoring the 32-byte alignment bits.
    addr = exe.sections.find(
      (s) => s.addr !== 0 && s.size !== 0 && (s.flags & ~0x600000) >>> 0 === 0xc0000040,
    )?.addr;
  }
  const at = addr === undefined ? undefined : fileOffsetOf(exe, addr);
  return at && { offset: at.offset, length: at.available };
}

function findMagic(window: Buffer): number | undefined {
  let from = 0;
  for (;;) {
    const i = window.indexOf(MAGIC, from);
    if (i < 0 || window.length - i < HEADER_SIZE) return undefined;
    if (i % ALIGN === 0) return i;
    from = i + 1;
  }
}

/**
 * Go >= 1.18: version and module text follow the header as uvarint-length-prefixed strings,
 * within the same section or segment (`end`).
 */
function* readInlineStrings(offset: number, end: number): ByteParser<[Buffer, Buffer] | string> {
  const out: Buffer[] = [];
  let at = offset;
  for (const cap of [MAX_VERSION_LENGTH, MAX_MODINFO_LENGTH]) {
    if (at >= end) return "Go build info string is truncated";
    const prefix = yield* readAt(at, Math.min(10, end - at));
    const length = readUvarint(prefix);
    if (!length) return "Go build info string length is malformed";
    if (length.value > cap)
      return `Go build info string of ${length.value} bytes is over the ${cap} byte cap`;
    if (at + length.size + length.value > end) return "Go build info string is truncated";
    const bytes = yield* readAt(at + length.size, length.value);
    if (bytes.length < length.value) return "Go build info string is truncated";
    out.push(bytes);
    at += length.size + length.value;
  }
  return out as [Buffer, Buffer];
}

/** Go < 1.18: two pointers to Go string headers (data pointer, length) in the binary's memory. */
function* readPointerStrings(
  exe: Executable,
  header: Buffer,
  ptrSize: number,
  bigEndian: boolean,
): ByteParser<[Buffer, Buffer] | string> {
  if (ptrSize !== 4 && ptrSize !== 8) return `Go build info pointer size ${ptrSize} is invalid`;
  const readPtr = (b: Buffer, at: number): number => {
    if (ptrSize === 4) return bigEndian ? b.readUInt32BE(at) : b.readUInt32LE(at);
    const v = bigEndian ? b.readBigUInt64BE(at) : b.readBigUInt64LE(at);
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : Number.NaN;
  };
  const out: Buffer[] = [];
  for (const [i, cap] of [MAX_VERSION_LENGTH, MAX_MODINFO_LENGTH].entries()) {
    const stringHeader = yield* readVirtual(exe, readPtr(header, 16 + i * ptrSize), 2 * ptrSize);
    if (!stringHeader || stringHeader.length < 2 * ptrSize) {
      return "Go build info points outside the file's mapped data";
    }
    const dataAddr = readPtr(stringHeader, 0);
    const length = readPtr(stringHeader, ptrSize);
    if (!Number.isSafeInteger(length) || length > cap) {
      return `Go build info string of ${length} bytes is over the ${cap} byte cap`;
    }
    if (length === 0) {
      out.push(Buffer.alloc(0));
      continue;
    }
    const bytes = yield* readVirtual(exe, dataAddr, length);
    if (!bytes || bytes.length < length) return "Go build info string points outside the file's mapped data";
    out.push(bytes);
  }
  return out as [Buffer, Buffer];
}

/** encoding/binary.Uvarint, limited to values a JS number holds exactly. */
function readUvarint(buf: Buffer): { value: number; size: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < buf.length && i < 8; i++) {
    const b = buf[i] as number;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return { value, size: i + 1 };
    scale *= 128;
  }
  return undefined;
}
