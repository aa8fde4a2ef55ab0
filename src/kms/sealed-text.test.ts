import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSealedText, createSecretBox } from './root-key.js';

describe('sealed text', () => {
  const sealed = createSealedText(createSecretBox(randomBytes(32), 'test-purpose'));

  it('opens what it sealed under the same context only', () => {
    const stored = sealed.seal("Cannot cast 'secret' to INTEGER", 'query-execution:1');
    expect(stored).not.toContain('secret');
    expect(sealed.open(stored, 'query-execution:1')).toBe("Cannot cast 'secret' to INTEGER");
    // Another row's context: not opened, and nothing of it shown.
    expect(sealed.open(stored, 'query-execution:2')).toBe(stored);
  });

  it("reads an earlier Seawall's plaintext as it is, one that begins as sealed values do too", () => {
    expect(sealed.open('Query exhausted resources', 'query-execution:1')).toBe('Query exhausted resources');
    expect(sealed.open('sealed: the value was x', 'query-execution:1')).toBe('sealed: the value was x');
  });
});
