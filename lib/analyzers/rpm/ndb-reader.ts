import { RpmDatabaseError, type Warn } from "./rpm-database-error.js";

/**
 * rpm's own "ndb" package store (`Packages.db`, SUSE since 15 SP3), as rpm's lib/backend/ndb/rpmpkg.c
 * writes it, all integers little-endian:
 *   - a 32-byte file header {magic "RpmP", version 0, generation, slot page count, next package index};
 *   - slot pages of 4096 bytes (the first begins after the file header), each slot 16 bytes
 *     {magic "Slot", package index, block offset, block count}; block offset 0 marks a free slot;
 *   - blobs in 16-byte blocks: head {magic "BlbS", package index, timestamp, length}, the header blob,
 *     zero padding, tail {adler32, length, magic "BlbE"}.
 * The adler32 is not checked: rpm itself checks it only when verifying, not when reading.
 */

const FILE_MAGIC = 0x506d7052; // "RpmP"
const SLOT_MAGIC = 0x746f6c53; // "Slot"
const BLOB_HEAD_MAGIC = 0x53626c42; // "BlbS"
const BLOB_TAIL_MAGIC = 0x45626c42; // "BlbE"
const FILE_HEADER_SIZE = 32;
const SLOT_SIZE = 16;
const BLOCK_SIZE = 16;
const PAGE_SIZE = 4096;
const BLOB_HEAD_SIZE = 16;
const BLOB_TAIL_SIZE = 12;

export function isNdbDatabase(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.readUInt32LE(0) === FILE_MAGIC;
}

interface Slot {
  pkgIndex: number;
  blockOffset: number;
  blockCount: number;
}

/** The header blobs of every occupied slot, in package-index order; bad slots and blobs are warned about. */
export function* readNdbPackageBlobs(bytes: Buffer, warn: Warn): Generator<Buffer> {
  if (!isNdbDatabase(bytes)) throw new RpmDatabaseError("not an rpm ndb database (no RpmP magic)");
  if (bytes.length < FILE_HEADER_SIZE) throw new RpmDatabaseError("ndb file header is truncated");
  const version = bytes.readUInt32LE(4);
  if (version !== 0) throw new RpmDatabaseError(`ndb version ${version} is not supported`);
  const claimed = bytes.readUInt32LE(12);
  if (claimed === 0) throw new RpmDatabaseError("ndb header has no slot pages");
  // Slot pages come first and each starts with a slot; believe the header only as far as that holds.
  const limit = Math.min(claimed, Math.floor(bytes.length / PAGE_SIZE));
  let slotPages = 0;
  while (
    slotPages < limit &&
    bytes.readUInt32LE(slotPages === 0 ? FILE_HEADER_SIZE : slotPages * PAGE_SIZE) === SLOT_MAGIC
  ) {
    slotPages++;
  }
  if (slotPages === 0) throw new RpmDatabaseError("ndb file has no slot page");
  if (slotPages < claimed) warn(`ndb header claims ${claimed} slot pages but only ${slotPages} hold slots`);

  const slots = readSlots(bytes, slotPages, warn);
  for (const slot of slots) {
    try {
      yield readBlob(bytes, slot);
    } catch (err) {
      warn(err instanceof Error ? err.message : String(err));
    }
  }
}

function readSlots(bytes: Buffer, slotPages: number, warn: Warn): Slot[] {
  const totalBlocks = Math.floor(bytes.length / BLOCK_SIZE);
  // Blobs live after the slot pages; one pointing into them is corrupt.
  const firstBlobBlock = (slotPages * PAGE_SIZE) / BLOCK_SIZE;
  const slots: Slot[] = [];
  const seen = new Set<number>();
  let badMagic = 0;
  for (let pos = FILE_HEADER_SIZE; pos + SLOT_SIZE <= slotPages * PAGE_SIZE; pos += SLOT_SIZE) {
    if (bytes.readUInt32LE(pos) !== SLOT_MAGIC) {
      badMagic++;
      continue;
    }
    const blockOffset = bytes.readUInt32LE(pos + 8);
    if (blockOffset === 0) continue; // a free slot
    const pkgIndex = bytes.readUInt32LE(pos + 4);
    const blockCount = bytes.readUInt32LE(pos + 12);
    const slotNo = pos / SLOT_SIZE;
    if (pkgIndex === 0 || blockCount === 0 || blockOffset < firstBlobBlock) {
      warn(
        `ndb slot ${slotNo} is invalid (package ${pkgIndex}, block ${blockOffset}+${blockCount}); skipped`,
      );
    } else if (blockOffset + blockCount > totalBlocks) {
      warn(`ndb slot ${slotNo}: package ${pkgIndex} lies beyond the end of the file (truncated); skipped`);
    } else if (seen.has(pkgIndex)) {
      warn(`ndb slot ${slotNo}: package ${pkgIndex} appears twice; the second is skipped`);
    } else {
      seen.add(pkgIndex);
      slots.push({ pkgIndex, blockOffset, blockCount });
    }
  }
  if (badMagic > 0) warn(`${badMagic} ndb slot(s) without the Slot magic skipped`);
  return slots.sort((a, b) => a.pkgIndex - b.pkgIndex);
}

function readBlob(bytes: Buffer, slot: Slot): Buffer {
  const start = slot.blockOffset * BLOCK_SIZE;
  const end = start + slot.blockCount * BLOCK_SIZE;
  const which = `ndb package ${slot.pkgIndex}`;
  if (slot.blockCount * BLOCK_SIZE < BLOB_HEAD_SIZE + BLOB_TAIL_SIZE) {
    throw new RpmDatabaseError(`${which}: blob of ${slot.blockCount} block(s) is too small`);
  }
  if (bytes.readUInt32LE(start) !== BLOB_HEAD_MAGIC)
    throw new RpmDatabaseError(`${which}: bad blob head magic`);
  if (bytes.readUInt32LE(start + 4) !== slot.pkgIndex) {
    throw new RpmDatabaseError(`${which}: blob belongs to package ${bytes.readUInt32LE(start + 4)}`);
  }
  const length = bytes.readUInt32LE(start + 12);
  const blocks = Math.ceil((BLOB_HEAD_SIZE + length + BLOB_TAIL_SIZE) / BLOCK_SIZE);
  if (blocks !== slot.blockCount) {
    throw new RpmDatabaseError(`${which}: blob length ${length} does not fit its ${slot.blockCount} blocks`);
  }
  const tail = end - BLOB_TAIL_SIZE;
  if (bytes.readUInt32LE(tail + 8) !== BLOB_TAIL_MAGIC || bytes.readUInt32LE(tail + 4) !== length) {
    throw new RpmDatabaseError(`${which}: bad blob tail`);
  }
  return bytes.subarray(start + BLOB_HEAD_SIZE, start + BLOB_HEAD_SIZE + length);
}
