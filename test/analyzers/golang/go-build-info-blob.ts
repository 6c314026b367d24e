/** cmd/go's sentinels around the module text (any 16 bytes work; these are Go's). */
export const INFO_START = Buffer.from("3077af0c9274080241e1c107e6d618e6", "hex");
export const INFO_END = Buffer.from("f932433186182072008242104116d8f2", "hex");
export const BUILDINFO_MAGIC = Buffer.from("\xff Go buildinf:", "latin1");

export function framedModInfo(text: string): Buffer {
  return Buffer.concat([INFO_START, Buffer.from(text), INFO_END]);
}

function uvarint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

/** Go >= 1.18 layout: 32-byte header (flags bit 2) followed by the two varint-prefixed strings. */
export function inlineBuildInfo(version: string, modinfo: Buffer, ptrSize = 8): Buffer {
  const header = Buffer.alloc(32);
  BUILDINFO_MAGIC.copy(header, 0);
  header[14] = ptrSize;
  header[15] = 2;
  const v = Buffer.from(version);
  return Buffer.concat([header, uvarint(v.length), v, uvarint(modinfo.length), modinfo]);
}

/** Go < 1.18 layout: the header holds two pointers to Go string headers. */
export function pointerBuildInfoHeader(
  ptrSize: 4 | 8,
  bigEndian: boolean,
  versionPtr: number,
  modPtr: number,
): Buffer {
  const header = Buffer.alloc(32);
  BUILDINFO_MAGIC.copy(header, 0);
  header[14] = ptrSize;
  header[15] = bigEndian ? 1 : 0;
  writePtr(header, 16, versionPtr, ptrSize, bigEndian);
  writePtr(header, 16 + ptrSize, modPtr, ptrSize, bigEndian);
  return header;
}

export function writePtr(buf: Buffer, at: number, value: number, ptrSize: 4 | 8, bigEndian: boolean): void {
  if (ptrSize === 4) {
    if (bigEndian) buf.writeUInt32BE(value, at);
    else buf.writeUInt32LE(value, at);
  } else if (bigEndian) buf.writeBigUInt64BE(BigInt(value), at);
  else buf.writeBigUInt64LE(BigInt(value), at);
}

/** Go string headers (data pointer, length) for each (address, length). */
export function stringHeaders(strings: Array<[number, number]>, ptrSize: 4 | 8, bigEndian: boolean): Buffer {
  const out = Buffer.alloc(strings.length * 2 * ptrSize);
  strings.forEach(([addr, length], i) => {
    writePtr(out, i * 2 * ptrSize, addr, ptrSize, bigEndian);
    writePtr(out, i * 2 * ptrSize + ptrSize, length, ptrSize, bigEndian);
  });
  return out;
}
