import { describe, expect, it } from '@jest/globals';
import { Interner } from './interner.js';

/** A copy of `text` that is a different string object, as each request's header is. */
const copy = (text: string) => Buffer.from(text, 'latin1').toString('latin1');

describe('Interner', () => {
  it('hands every holder of equal values the first instance, and counts them', () => {
    const lists = new Interner<readonly string[]>((list) => JSON.stringify(list));
    const first = lists.acquire(['a', 'b']);
    const second = lists.acquire(['a', 'b']);
    expect(second).toBe(first);
    expect(lists.acquire(['b', 'a'])).not.toBe(first);
    expect(lists.size).toBe(2);
  });

  it('forgets a value with its last holder, not before', () => {
    const agents = new Interner<string>((agent) => agent);
    const text = 'Mozilla/5.0 (X11; Linux x86_64)';
    agents.acquire(copy(text));
    agents.acquire(copy(text));
    agents.release(text);
    expect(agents.size).toBe(1);
    agents.release(text);
    expect(agents.size).toBe(0);
    agents.release(text); // releasing what is not held is harmless
    expect(agents.size).toBe(0);
  });

  it('forgets everything on clear', () => {
    const agents = new Interner<string>((agent) => agent);
    agents.acquire('curl/8.5.0');
    agents.clear();
    expect(agents.size).toBe(0);
  });
});
