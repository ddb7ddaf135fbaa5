import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { DigestTable, NO_RECORD } from './digest-table.js';

const digest = (n: number) => createHash('sha256').update(`token-${n}`).digest('hex');

/** A digest whose first 32 bits (the home bucket) are `home`: forces probe runs and wrap-around. */
const digestAt = (home: number, n: number) =>
  home.toString(16).padStart(8, '0') + digest(n).slice(8);

describe('DigestTable', () => {
  it('finds what was added, with its value and link, and gives the digest back as hex', () => {
    const table = new DigestTable();
    const first = table.add(digest(1), 10, NO_RECORD);
    const second = table.add(digest(2), 20, first);
    expect(table.find(digest(1))).toBe(first);
    expect(table.value(second)).toBe(20);
    expect(table.link(second)).toBe(first);
    expect(table.hex(second)).toBe(digest(2));
    expect(table.holds(second, digest(2))).toBe(true);
    expect(table.holds(second, digest(1))).toBe(false);
    expect(table.find(digest(3))).toBe(NO_RECORD);
    expect(table.size).toBe(2);
  });

  it('never stores or finds anything but lowercase hex SHA-256', () => {
    const table = new DigestTable();
    table.add(digest(1), 1, NO_RECORD);
    for (const bad of [
      digest(1).toUpperCase(),
      digest(1).slice(1),
      `${digest(1)}0`,
      'x'.repeat(64),
    ]) {
      expect(table.find(bad)).toBe(NO_RECORD);
      expect(() => table.add(bad, 2, NO_RECORD)).toThrow(/lowercase hex SHA-256/);
    }
    // Hex that stops early must not match a prefix of a stored digest.
    expect(table.find(`${digest(1).slice(0, 62)}zz`)).toBe(NO_RECORD);
    expect(table.size).toBe(1);
  });

  it('refuses a digest it holds already', () => {
    const table = new DigestTable();
    table.add(digest(1), 1, NO_RECORD);
    expect(() => table.add(digest(1), 2, NO_RECORD)).toThrow(/already stored/);
    expect(table.value(table.find(digest(1)))).toBe(1);
  });

  it('keeps every record reachable when removals shift probe runs, across the wrap-around', () => {
    const table = new DigestTable();
    // 64 buckets at first: homes 62, 63 and 0 collide into one run that wraps around.
    const homes = [62, 62, 63, 0, 62, 1, 63];
    const ids = homes.map((home, n) => table.add(digestAt(home, n), n, NO_RECORD));
    for (const victim of [0, 3, 1]) {
      table.remove(ids[victim]);
      homes.forEach((home, n) => {
        const removed = [0, 3, 1].slice(0, [0, 3, 1].indexOf(victim) + 1).includes(n);
        expect(table.find(digestAt(home, n))).toBe(removed ? NO_RECORD : ids[n]);
      });
    }
  });

  it('matches a Map through 20 000 random adds and removes, growing as it goes', () => {
    const table = new DigestTable();
    const model = new Map<string, number>();
    const ids = new Map<string, number>();
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let step = 0; step < 20_000; step++) {
      if (model.size > 0 && random() < 0.4) {
        const keys = [...model.keys()];
        const key = keys[Math.floor(random() * keys.length)];
        table.remove(ids.get(key)!);
        model.delete(key);
        ids.delete(key);
      } else {
        const key = digest(step);
        ids.set(key, table.add(key, step, NO_RECORD));
        model.set(key, step);
      }
    }
    expect(table.size).toBe(model.size);
    for (const [key, value] of model) expect(table.value(table.find(key))).toBe(value);
    for (let step = 0; step < 20_000; step += 7) {
      if (!model.has(digest(step))) expect(table.find(digest(step))).toBe(NO_RECORD);
    }
  });

  it('reuses the ids of removed records and forgets everything on clear', () => {
    const table = new DigestTable();
    const id = table.add(digest(1), 1, NO_RECORD);
    table.remove(id);
    expect(table.add(digest(2), 2, NO_RECORD)).toBe(id);
    table.clear();
    expect(table.size).toBe(0);
    expect(table.find(digest(2))).toBe(NO_RECORD);
    expect(table.add(digest(2), 3, NO_RECORD)).toBe(0);
  });
});
