import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { parseXml, XmlParseError } from '../../src/lib/xml.js';
import {
  lockOfHeaders,
  parseIsoDate,
  readLegalHold,
  readLockConfiguration,
  readRetention,
} from '../../src/storage/object-lock.js';
import { fuzzParameters } from './fuzz-runs.js';
import { mutated, wireText } from './mutations.js';

const NOW = Date.UTC(2026, 0, 1);

/** Runs a parser of a client's document: it answers, or refuses with a 4xx AppError; nothing else. */
function judged(run: () => unknown): unknown {
  try {
    return run();
  } catch (error) {
    if (error instanceof XmlParseError) return undefined;
    expect(isAppError(error) && error.status >= 400 && error.status < 500, String(error)).toBe(true);
    return undefined;
  }
}

const CONFIG =
  '<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>3</Days></DefaultRetention></Rule></ObjectLockConfiguration>';
const RETENTION =
  '<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>2030-01-01T00:00:00.000Z</RetainUntilDate></Retention>';
const HOLD = '<LegalHold><Status>ON</Status></LegalHold>';

describe('Object Lock parsers under fuzzing', () => {
  it('the three documents: a valid value or a 4xx refusal, for mutated and random bytes', () => {
    const documents = fc.oneof(mutated(CONFIG), mutated(RETENTION), mutated(HOLD), wireText(200));
    fc.assert(
      fc.property(documents, (text) => {
        const document = judged(() => parseXml(text)) as Record<string, unknown> | undefined;
        const config = judged(() => readLockConfiguration(document)) as
          | ReturnType<typeof readLockConfiguration>
          | undefined;
        if (config?.rule) {
          const { days, years } = config.rule;
          expect((days === undefined) !== (years === undefined)).toBe(true);
          expect([days, years].some((n) => n !== undefined && Number.isInteger(n) && n > 0)).toBe(true);
        }
        const retention = judged(() => readRetention(document, NOW)) as ReturnType<typeof readRetention>;
        if (retention) expect(Number.isFinite(retention.until) && retention.until > NOW).toBe(true);
        const hold = judged(() => readLegalHold(document));
        if (hold !== undefined) expect(['ON', 'OFF']).toContain(hold);
      }),
      fuzzParameters(1500),
    );
  });

  it('parseIsoDate gives the instant Date gives for a valid date, undefined for anything else', () => {
    const valid = fc
      .date({
        min: new Date('1970-01-01T00:00:00Z'),
        max: new Date('9999-12-31T23:59:59Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString());
    fc.assert(
      fc.property(fc.oneof(valid, mutated('2030-01-01T00:00:00Z'), wireText(40)), (text) => {
        const parsed = parseIsoDate(text);
        if (parsed === undefined) return;
        expect(Number.isFinite(parsed)).toBe(true);
        expect(parsed).toBe(Date.parse(text.trim()));
      }),
      fuzzParameters(3000),
    );
    // Found by this property: Date.UTC reads years 0 to 99 as 1900 to 1999.
    for (const text of ['0030-01-01T00:00:00Z', '0000-02-29T12:00:00.5+01:00', '0099-12-31T23:59:59Z'])
      expect(parseIsoDate(text), text).toBe(Date.parse(text));
  });

  it('lock headers: a lock with a future date, nothing, or InvalidArgument', () => {
    const value = fc.option(
      fc.oneof(fc.constantFrom('GOVERNANCE', 'COMPLIANCE', 'ON', 'OFF'), wireText(30)),
      {
        nil: undefined,
      },
    );
    const date = fc.option(fc.oneof(mutated('2030-01-01T00:00:00Z'), wireText(30)), { nil: undefined });
    fc.assert(
      fc.property(value, date, value, (mode, until, hold) => {
        const headers = {
          'x-amz-object-lock-mode': mode,
          'x-amz-object-lock-retain-until-date': until,
          'x-amz-object-lock-legal-hold': hold,
        };
        let lock: ReturnType<typeof lockOfHeaders>;
        try {
          lock = lockOfHeaders(headers, NOW);
        } catch (error) {
          expect(isAppError(error) && error.code === 'InvalidArgument', String(error)).toBe(true);
          return;
        }
        if (mode === undefined && until === undefined && hold === undefined) expect(lock).toBeUndefined();
        if (lock?.retention) expect(lock.retention.until > NOW).toBe(true);
      }),
      fuzzParameters(2000),
    );
  });
});
