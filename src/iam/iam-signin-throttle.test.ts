import { describe, expect, it } from 'vitest';
import { createThrottle } from './iam-signin-throttle.js';

const options = { threshold: 3, baseMs: 1000, maxMs: 8000, forgetMs: 60_000, maxKeys: 2 };

describe('sign-in throttle', () => {
  it('lets a key try freely up to the threshold, then doubles the wait up to the cap', () => {
    const throttle = createThrottle(options);
    for (let i = 0; i < 3; i++) {
      expect(throttle.waitFor('k', 0)).toBe(0);
      throttle.begin('k', 0);
    }
    expect(throttle.waitFor('k', 0)).toBe(1000);
    expect(throttle.waitFor('k', 1000)).toBe(0);
    throttle.begin('k', 1000);
    expect(throttle.waitFor('k', 1000)).toBe(2000);
    for (let i = 0; i < 5; i++) throttle.begin('k', 2000);
    expect(throttle.waitFor('k', 2000)).toBe(8000);
    expect(throttle.waitFor('k', 2000 + 61_000)).toBe(0);
  });

  it('says how many failures a key has, this one included, counting afresh once it is forgotten', () => {
    const throttle = createThrottle(options);
    expect(throttle.begin('k', 0)).toBe(1);
    expect(throttle.begin('k', 0)).toBe(2);
    expect(throttle.begin('k', 61_000)).toBe(1);
  });

  it('takes back a successful attempt, or forgets the key when asked', () => {
    const throttle = createThrottle(options);
    for (let i = 0; i < 3; i++) throttle.begin('k', 0);
    throttle.forgive('k', false);
    expect(throttle.waitFor('k', 0)).toBe(0);
    throttle.begin('k', 0);
    throttle.forgive('k', true);
    for (let i = 0; i < 2; i++) throttle.begin('k', 0);
    expect(throttle.waitFor('k', 0)).toBe(0);
  });

  it('remembers at most maxKeys keys, dropping the oldest', () => {
    const throttle = createThrottle(options);
    for (const key of ['a', 'b', 'c']) for (let i = 0; i < 3; i++) throttle.begin(key, 0);
    expect(throttle.waitFor('a', 0)).toBe(0);
    expect(throttle.waitFor('b', 0)).toBe(1000);
    expect(throttle.waitFor('c', 0)).toBe(1000);
  });
});
