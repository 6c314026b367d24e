/**
 * A compact record of every path one layer writes, so later questions ("did a later layer replace
 * this file?") can be answered without keeping the paths themselves: 8 bytes per entry, sorted,
 * base64 in the cached LayerResult. Two independent 32-bit hashes make a false "replaced" about
 * one in 10^10 for a layer of 100,000 entries.
 */
export class PathIndexBuilder {
  private hashes: number[] = [];

  add(path: string): void {
    const [high, low] = hashPath(path);
    this.hashes.push(high, low);
  }

  /** Sorted and de-duplicated, as base64. */
  toString(): string {
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i < this.hashes.length; i += 2)
      pairs.push([this.hashes[i] ?? 0, this.hashes[i + 1] ?? 0]);
    pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const out = Buffer.alloc(pairs.length * 8);
    let n = 0;
    for (const [high, low] of pairs) {
      if (n > 0 && out.readUInt32BE((n - 1) * 8) === high && out.readUInt32BE((n - 1) * 8 + 4) === low)
        continue;
      out.writeUInt32BE(high, n * 8);
      out.writeUInt32BE(low, n * 8 + 4);
      n += 1;
    }
    return out.subarray(0, n * 8).toString("base64");
  }
}

/** Looks paths up in a serialised index by binary search. */
export class PathIndex {
  private readonly bytes: Buffer;
  private readonly size: number;

  constructor(serialised: string) {
    this.bytes = Buffer.from(serialised, "base64");
    this.size = Math.floor(this.bytes.length / 8);
  }

  has(path: string): boolean {
    const [high, low] = hashPath(path);
    let lo = 0;
    let hi = this.size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const h = this.bytes.readUInt32BE(mid * 8);
      const l = this.bytes.readUInt32BE(mid * 8 + 4);
      if (h === high && l === low) return true;
      if (h < high || (h === high && l < low)) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }
}

/** FNV-1a and a multiply-xorshift hash over UTF-16 code units: fast, and independent enough. */
function hashPath(path: string): [number, number] {
  let fnv = 0x811c9dc5;
  let mix = 0x9e3779b9;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    fnv = Math.imul(fnv ^ c, 0x01000193);
    mix = Math.imul(mix ^ c, 0x85ebca6b);
    mix ^= mix >>> 13;
  }
  mix = Math.imul(mix ^ (mix >>> 16), 0xc2b2ae35);
  return [fnv >>> 0, (mix ^ (mix >>> 15)) >>> 0];
}
