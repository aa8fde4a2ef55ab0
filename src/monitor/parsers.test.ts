import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AlarmRuleError, evaluateAlarmRule, parseAlarmRule, ruleAlarms } from './alarm-rule.js';
import { compileFilterPattern, FilterPatternError } from './logs-filter.js';
import { createQueryRun } from './logs-insights.js';
import { InsightsQueryError, parseInsightsQuery } from './logs-insights-parse.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

/** Random text from an alphabet that reaches the grammar's corners. */
const textOf = (alphabet: string, maxLength = 80) =>
  fc.array(fc.constantFrom(...alphabet.split('')), { maxLength }).map((chars) => chars.join(''));

describe('composite alarm rules', () => {
  it('parse, name their alarms and evaluate', () => {
    const rule = parseAlarmRule(
      'ALARM("a") AND (OK(b) OR NOT INSUFFICIENT_DATA(arn:aws:cloudwatch:ca-west-1:123456789012:alarm:c)) OR FALSE',
    );
    expect(ruleAlarms(rule).sort()).toEqual(['a', 'b', 'c']);
    const states = { a: 'ALARM', b: 'ALARM', c: 'OK' } as const;
    expect(evaluateAlarmRule(rule, (name) => states[name as keyof typeof states])).toBe(true);
    expect(evaluateAlarmRule(rule, (name) => (name === 'a' ? 'OK' : 'ALARM'))).toBe(false);
    expect(evaluateAlarmRule(parseAlarmRule('TRUE'), () => undefined)).toBe(true);
  });

  it('refuse malformed and hostile rules with their own error', () => {
    for (const text of [
      '',
      'ALARM',
      'ALARM()',
      'ALARM(a',
      'ALARM(a) AND',
      'MAYBE(a)',
      `${'('.repeat(500)}TRUE${')'.repeat(500)}`,
      'NOT '.repeat(500),
    ])
      expect(() => parseAlarmRule(text), text).toThrow(AlarmRuleError);
    fc.assert(
      fc.property(textOf('ALRMOKINSUFFICIENT_DATATRUEFALSEANDNOT()"\' a'), (text) => {
        try {
          parseAlarmRule(text);
        } catch (error) {
          if (!(error instanceof AlarmRuleError)) throw error;
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('filter patterns', () => {
  it('only ever throw their own error, and their matchers only answer', () => {
    fc.assert(
      fc.property(
        textOf('{}[]$.a=!<>&|()"?-* ERROR5,0%^.+\\'),
        fc.string({ maxLength: 60 }),
        (pattern, message) => {
          try {
            const matches = compileFilterPattern(pattern);
            expect(typeof matches(message)).toBe('boolean');
          } catch (error) {
            if (!(error instanceof FilterPatternError)) throw error;
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect(() => compileFilterPattern(`{ ${'('.repeat(200)}$.a = 1${')'.repeat(200)} }`)).toThrow(
      FilterPatternError,
    );
    // A regular expression that backtracks exponentially elsewhere answers at once: RE2 is linear.
    expect(compileFilterPattern('%(a+)+$%')(`${'a'.repeat(5000)}!`)).toBe(false);
    expect(compileFilterPattern('%(a+)+!$%')(`${'a'.repeat(5000)}!`)).toBe(true);
    expect(compileFilterPattern('[...,...,...,x=%(a|aa)+b%]')(`${'a '.repeat(200)}aaaa`)).toBe(false);
    expect(() => compileFilterPattern('%(%')).toThrow(FilterPatternError);
    // A % is a regular expression only where a value begins.
    expect(compileFilterPattern('[a, pct = 50%, b]')('x 50% y')).toBe(true);
    expect(compileFilterPattern('[a, pct = %^5%, b]')('x 50% y')).toBe(true);
    expect(() => compileFilterPattern('[a, b = "x]')).toThrow(FilterPatternError);
  });
});

describe('Insights queries', () => {
  it('only ever throw their own error on any text, and run what they parse', () => {
    fc.assert(
      fc.property(
        textOf(
          'fields filter stats count(*) by bin(5m) sort limit parse display dedup @message "*" /x/ | = < ^ and or not like , as 1 concat( substr( trim( earliest( datefloor( isIpInSubnet( 1h',
        ),
        (text) => {
          try {
            const run = createQueryRun(parseInsightsQuery(text));
            run.add({ time: 0, ingestion: 0, group: 'g', stream: 's', message: '{"a":1}' });
            run.finish();
          } catch (error) {
            if (!(error instanceof InsightsQueryError)) throw error;
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect(() => parseInsightsQuery(`filter ${'('.repeat(200)}a = 1${')'.repeat(200)}`)).toThrow(
      InsightsQueryError,
    );
    expect(() => parseInsightsQuery('filter @message like /(a+)+$/ | limit 5')).not.toThrow();
  });
});

describe('space-delimited patterns with ...', () => {
  /** What `[...]` means, by trying every split: exponential, for small cases only. */
  const reference = (fields: string[], words: string[]): boolean => {
    if (fields.length === 0) return words.length === 0;
    const [head, ...rest] = fields as [string, ...string[]];
    if (head === '...') return words.some((_, n) => reference(rest, words.slice(n))) || reference(rest, []);
    if (words.length === 0) return false;
    const [, value] = head.split('=');
    return (value === undefined || value === words[0]) && reference(rest, words.slice(1));
  };

  it('match as trying every split would', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('...', 'f', 'f=x', 'f=y'), { minLength: 1, maxLength: 7 }),
        fc.array(fc.constantFrom('x', 'y'), { maxLength: 9 }),
        (fields, words) => {
          expect(compileFilterPattern(`[${fields.join(', ')}]`)(words.join(' '))).toBe(
            reference(fields, words),
          );
        },
      ),
      { numRuns: RUNS * 5 },
    );
  });

  it('answer a long pattern against a large message', () => {
    // About as many fields as 1,024 characters of pattern hold.
    const fields = Array.from({ length: 200 }, () => 'f=x').join(', ');
    const message = 'x '.repeat(100_000);
    expect(compileFilterPattern(`[${fields}]`)(message)).toBe(false);
    expect(compileFilterPattern(`[..., ${fields}]`)(message)).toBe(true);
  });

  it('refuse a pattern whose fields between ... would take too many tests for an event', () => {
    // Each start position matches all but the last of 168 regular-expression fields: words × fields tests.
    const costly = compileFilterPattern(`[...,${Array(168).fill('a=%a%').join(',')},b=z,...]`);
    expect(() => costly(`${'a '.repeat(131_071)}a`)).toThrow(FilterPatternError);
    // The same fields against a short event, and one field between ... against the large one, are answered.
    expect(costly(`${'a '.repeat(500)}a`)).toBe(false);
    expect(compileFilterPattern('[..., b = z, ...]')(`${'a '.repeat(131_071)}a`)).toBe(false);
    expect(compileFilterPattern('[..., a = z, ...]')(`${'a '.repeat(131_071)}z`)).toBe(true);
  });
});
