import { RpmDatabaseError } from "./rpm-database-error.js";

/** A column value as SQLite stores it; 64-bit integers beyond 2^53 stay bigint. */
export type SqliteValue = null | number | bigint | string | Buffer;

/** A SQLite varint: 1-9 bytes, big-endian 7-bit groups, the 9th byte contributing all 8 bits. */
export function readVarint(bytes: Buffer, pos: number, end: number): { value: number; length: number } {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    if (pos + i >= end) throw new RpmDatabaseError("SQLite varint runs past its page");
    const byte = bytes[pos + i] as number;
    if (i === 8) return { value: value * 256 + byte, length: 9 };
    // Multiplication, not shifts: values may exceed 32 bits (precision beyond 2^53 does not matter here).
    value = value * 128 + (byte & 0x7f);
    if (byte < 0x80) return { value, length: i + 1 };
  }
  throw new RpmDatabaseError("unreachable");
}

/** Decodes a record: a varint header of serial types followed by the column values. */
export function decodeRecord(payload: Buffer, encoding = 1): SqliteValue[] {
  const headerSize = readVarint(payload, 0, payload.length);
  if (headerSize.value > payload.length || headerSize.value < headerSize.length) {
    throw new RpmDatabaseError(`SQLite record header size ${headerSize.value} is out of range`);
  }
  const values: SqliteValue[] = [];
  let headerPos = headerSize.length;
  let bodyPos = headerSize.value;
  while (headerPos < headerSize.value) {
    const serial = readVarint(payload, headerPos, headerSize.value);
    headerPos += serial.length;
    const type = serial.value;
    const size = serialTypeSize(type);
    if (bodyPos + size > payload.length) {
      throw new RpmDatabaseError(`SQLite record column of ${size} bytes runs past the record`);
    }
    values.push(readValue(payload, bodyPos, type, size, encoding));
    bodyPos += size;
  }
  return values;
}

function serialTypeSize(type: number): number {
  if (type >= 12) return Math.floor((type - 12) / 2);
  return [0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0][type] as number;
}

function readValue(payload: Buffer, pos: number, type: number, size: number, encoding: number): SqliteValue {
  switch (type) {
    case 0:
      return null;
    case 1:
      return payload.readInt8(pos);
    case 2:
      return payload.readInt16BE(pos);
    case 3:
      return payload.readIntBE(pos, 3);
    case 4:
      return payload.readInt32BE(pos);
    case 5:
      return payload.readIntBE(pos, 6);
    case 6: {
      const big = payload.readBigInt64BE(pos);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(big)
        : big;
    }
    case 7:
      return payload.readDoubleBE(pos);
    case 8:
      return 0;
    case 9:
      return 1;
    case 10:
    case 11:
      throw new RpmDatabaseError(`SQLite serial type ${type} is reserved`);
    default:
      if (type % 2 === 0) return payload.subarray(pos, pos + size);
      return decodeText(payload.subarray(pos, pos + size), encoding);
  }
}

function decodeText(bytes: Buffer, encoding: number): string {
  if (encoding === 2) return bytes.toString("utf16le");
  if (encoding === 3)
    return Buffer.from(bytes.subarray(0, bytes.length & ~1))
      .swap16()
      .toString("utf16le");
  return bytes.toString("utf8");
}
