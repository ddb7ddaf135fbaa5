/** Bytes in a SHA-256 digest. */
const DIGEST_BYTES = 32;
/** 32-bit words in a digest. */
const DIGEST_WORDS = DIGEST_BYTES / 4;
/** A token hash as the library writes it (see `hashToken`). */
const HEX_DIGEST = /^[0-9a-f]{64}$/;
/** Value of each lowercase hex digit by character code; -1 for every other character. */
const NIBBLES = Int8Array.from({ length: 128 }, (_, code) =>
  '0123456789abcdef'.indexOf(String.fromCharCode(code)),
);
/** "No record": also the end of a record's link chain. */
export const NO_RECORD = -1;

/**
 * A set of SHA-256 digests, each with an integer value and a link to another record, kept in
 * flat typed arrays: 32 bytes of digest plus 12 bytes of bookkeeping per record, instead of a
 * 64-character hex string, a Map entry and an object. Digests come in and go out as the
 * library's lowercase hex; anything else is never stored and never found.
 *
 * Records are addressed by id (a small integer, reused after removal). The index is open
 * addressing with linear probing on the digest's first 32 bits (uniform: the input is a
 * hash), kept at most half full, with backward-shift deletion (no tombstones).
 *
 * Not a general hash map: it assumes digests of random tokens, which never collide.
 *
 * @example
 * const table = new DigestTable();
 * const id = table.add(hashToken(token), 7, NO_RECORD);
 * table.find(hashToken(token)); // id
 * table.value(id); // 7
 */
export class DigestTable {
  /** Digest bytes of every record, 32 per record (also read as words through `words`). */
  private bytes = Buffer.alloc(0);
  private words: Uint32Array = new Uint32Array(0);
  private values: Int32Array<ArrayBuffer> = new Int32Array(0);
  private links: Int32Array<ArrayBuffer> = new Int32Array(0);
  /** Open-addressing index: record id + 1, or 0 for an empty bucket. */
  private index = new Int32Array(0);
  /** Head of the chain of free record ids (chained through `links`). */
  private freeHead = NO_RECORD;
  /** Record ids handed out so far (the high-water mark). */
  private used = 0;
  private count = 0;
  /** Scratch words of the digest being added or looked up. */
  private readonly probe = new Uint32Array(DIGEST_WORDS);
  /** The same scratch digest as bytes (words and bytes share one buffer, whatever the endianness). */
  private readonly probeBytes = new Uint8Array(this.probe.buffer);

  constructor() {
    this.resize(64);
  }

  /** Number of records held. */
  get size(): number {
    return this.count;
  }

  /** Whether `hex` has the form of a digest this table can hold. */
  static isDigest(hex: string): boolean {
    return HEX_DIGEST.test(hex);
  }

  /**
   * Adds the digest `hex` with `value` and `link`.
   * @returns the new record's id.
   * @throws if `hex` is not a lowercase hex SHA-256 digest, or is already held (two tokens
   *   with one hash mean a broken token generator: refusing is the safe answer).
   */
  add(hex: string, value: number, link: number): number {
    if (!this.load(hex)) {
      throw new TypeError(`expected a lowercase hex SHA-256 digest, got ${hex.length} characters`);
    }
    if (this.locate() !== NO_RECORD) throw new Error('this token hash is already stored');
    if ((this.count + 1) * 2 > this.index.length) this.resize(this.index.length * 2);
    const id = this.allocate();
    this.words.set(this.probe, id * DIGEST_WORDS);
    this.values[id] = value;
    this.links[id] = link;
    const mask = this.index.length - 1;
    let bucket = this.probe[0] & mask;
    while (this.index[bucket] !== 0) bucket = (bucket + 1) & mask;
    this.index[bucket] = id + 1;
    this.count++;
    return id;
  }

  /** The id of the record holding digest `hex`, or {@link NO_RECORD}. */
  find(hex: string): number {
    return this.load(hex) ? this.locate() : NO_RECORD;
  }

  /** Whether record `id` holds digest `hex`. */
  holds(id: number, hex: string): boolean {
    if (!this.load(hex)) return false;
    const base = id * DIGEST_WORDS;
    for (let w = 0; w < DIGEST_WORDS; w++) {
      if (this.words[base + w] !== this.probe[w]) return false;
    }
    return true;
  }

  /** The digest of record `id`, as lowercase hex. */
  hex(id: number): string {
    return this.bytes.toString('hex', id * DIGEST_BYTES, (id + 1) * DIGEST_BYTES);
  }

  /** The value of record `id`. */
  value(id: number): number {
    return this.values[id];
  }

  /** The link of record `id`. */
  link(id: number): number {
    return this.links[id];
  }

  /** Removes record `id`; its id may be handed out again by a later {@link add}. */
  remove(id: number): void {
    const mask = this.index.length - 1;
    let hole = this.words[id * DIGEST_WORDS] & mask;
    while (this.index[hole] !== id + 1) hole = (hole + 1) & mask;
    // Backward-shift deletion: pull later records of the probe run into the hole, so that
    // every record stays reachable from its home bucket without tombstones.
    for (let next = (hole + 1) & mask; this.index[next] !== 0; next = (next + 1) & mask) {
      const home = this.words[(this.index[next] - 1) * DIGEST_WORDS] & mask;
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        this.index[hole] = this.index[next];
        hole = next;
      }
    }
    this.index[hole] = 0;
    this.links[id] = this.freeHead;
    this.freeHead = id;
    this.count--;
  }

  /** Removes every record. */
  clear(): void {
    this.index.fill(0);
    this.freeHead = NO_RECORD;
    this.used = 0;
    this.count = 0;
  }

  /**
   * Parses `hex` into the scratch digest; `false` if it is not a digest. By hand: a regular
   * expression and `Buffer.write` cost ~4× as much, and every authenticated request pays this.
   */
  private load(hex: string): boolean {
    if (hex.length !== DIGEST_BYTES * 2) return false;
    for (let i = 0; i < DIGEST_BYTES; i++) {
      const high = NIBBLES[hex.charCodeAt(2 * i)] ?? -1;
      const low = NIBBLES[hex.charCodeAt(2 * i + 1)] ?? -1;
      if ((high | low) < 0) return false;
      this.probeBytes[i] = (high << 4) | low;
    }
    return true;
  }

  /** The record holding the scratch digest, or {@link NO_RECORD}. */
  private locate(): number {
    const mask = this.index.length - 1;
    for (let bucket = this.probe[0] & mask; ; bucket = (bucket + 1) & mask) {
      const entry = this.index[bucket];
      if (entry === 0) return NO_RECORD;
      const base = (entry - 1) * DIGEST_WORDS;
      let w = 0;
      while (w < DIGEST_WORDS && this.words[base + w] === this.probe[w]) w++;
      if (w === DIGEST_WORDS) return entry - 1;
    }
  }

  private allocate(): number {
    if (this.freeHead !== NO_RECORD) {
      const id = this.freeHead;
      this.freeHead = this.links[id];
      return id;
    }
    if (this.used === this.values.length) this.grow(this.values.length * 2);
    return this.used++;
  }

  /** Grows record storage to `records` records. */
  private grow(records: number): void {
    const bytes = Buffer.alloc(records * DIGEST_BYTES);
    this.bytes.copy(bytes);
    this.bytes = bytes;
    this.words = new Uint32Array(bytes.buffer, bytes.byteOffset, records * DIGEST_WORDS);
    this.values = copyInto(new Int32Array(records), this.values);
    this.links = copyInto(new Int32Array(records), this.links);
  }

  /** Rebuilds the index with `buckets` buckets (a power of two); records stay where they are. */
  private resize(buckets: number): void {
    if (this.values.length < buckets / 2) this.grow(buckets / 2);
    const old = this.index;
    this.index = new Int32Array(buckets);
    const mask = buckets - 1;
    for (const entry of old) {
      if (entry === 0) continue;
      let bucket = this.words[(entry - 1) * DIGEST_WORDS] & mask;
      while (this.index[bucket] !== 0) bucket = (bucket + 1) & mask;
      this.index[bucket] = entry;
    }
  }
}

function copyInto(target: Int32Array<ArrayBuffer>, source: Int32Array): Int32Array<ArrayBuffer> {
  target.set(source);
  return target;
}
