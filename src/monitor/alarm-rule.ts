/**
 * A composite alarm's AlarmRule: `ALARM(name)`, `OK(name)`, `INSUFFICIENT_DATA(name)` (a name or an alarm ARN,
 * quoted or not), `TRUE`, `FALSE`, joined by `AND`, `OR`, `NOT` and parentheses, as CloudWatch documents it.
 */

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export type Rule =
  | { type: 'state'; state: AlarmState; alarm: string }
  | { type: 'constant'; value: boolean }
  | { type: 'not'; rule: Rule }
  | { type: 'and' | 'or'; left: Rule; right: Rule };

export class AlarmRuleError extends Error {
  override readonly name = 'AlarmRuleError';
}

const MAX_LENGTH = 10_240;
const MAX_DEPTH = 64;
const STATES = new Set(['ALARM', 'OK', 'INSUFFICIENT_DATA']);

/** The alarm an argument names: an ARN's last part, or the name. */
function alarmName(text: string): string {
  const match = /^arn:aws:cloudwatch:[^:]*:\d{12}:alarm:(.+)$/.exec(text);
  return match ? (match[1] as string) : text;
}

export function parseAlarmRule(text: string): Rule {
  if (text.length > MAX_LENGTH)
    throw new AlarmRuleError(`The AlarmRule is longer than ${MAX_LENGTH} characters.`);
  let pos = 0;
  let depth = 0;
  const skip = () => {
    while (pos < text.length && /\s/.test(text[pos] as string)) pos++;
  };
  const word = (): string => {
    skip();
    const match = /^[A-Za-z_]+/.exec(text.slice(pos, pos + 32));
    return match ? match[0] : '';
  };
  const fail = (what: string): never => {
    throw new AlarmRuleError(`Error in AlarmRule at position ${pos + 1}: ${what}`);
  };
  const nest = <T>(parse: () => T): T => {
    if (++depth > MAX_DEPTH) fail('the rule is nested too deeply');
    try {
      return parse();
    } finally {
      depth--;
    }
  };
  const argument = (): string => {
    skip();
    const quote = text[pos];
    let value: string;
    if (quote === '"' || quote === "'") {
      const close = text.indexOf(quote, pos + 1);
      if (close < 0) fail('an unterminated quoted alarm name');
      value = text.slice(pos + 1, close);
      pos = close + 1;
    } else {
      const close = text.indexOf(')', pos);
      if (close < 0) fail("a missing ')'");
      value = text.slice(pos, close).trim();
      pos = close;
    }
    if (value.length === 0 || value.length > 2048) fail('an alarm name of 1 to 2048 characters');
    return alarmName(value);
  };
  const primary = (): Rule => {
    skip();
    if (text[pos] === '(') {
      pos++;
      const inner = nest(or);
      skip();
      if (text[pos] !== ')') fail("a missing ')'");
      pos++;
      return inner;
    }
    const name = word().toUpperCase();
    if (name === 'NOT') {
      pos += 3;
      return nest(() => ({ type: 'not', rule: primary() }));
    }
    if (name === 'TRUE' || name === 'FALSE') {
      pos += name.length;
      return { type: 'constant', value: name === 'TRUE' };
    }
    if (STATES.has(name)) {
      pos += name.length;
      skip();
      if (text[pos] !== '(') fail(`'(' after ${name}`);
      pos++;
      const alarm = argument();
      skip();
      if (text[pos] !== ')') fail("a missing ')'");
      pos++;
      return { type: 'state', state: name as AlarmState, alarm };
    }
    return fail('ALARM, OK, INSUFFICIENT_DATA, TRUE, FALSE, NOT or (');
  };
  const and = (): Rule => {
    let left = primary();
    while (word().toUpperCase() === 'AND') {
      pos += 3;
      left = { type: 'and', left, right: nest(primary) };
    }
    return left;
  };
  const or = (): Rule => {
    let left = and();
    while (word().toUpperCase() === 'OR') {
      pos += 2;
      left = { type: 'or', left, right: nest(and) };
    }
    return left;
  };
  const rule = or();
  skip();
  if (pos < text.length) fail(`unexpected '${text.slice(pos, pos + 16)}'`);
  return rule;
}

/** The alarms a rule names. */
export function ruleAlarms(rule: Rule): string[] {
  const out = new Set<string>();
  const stack: Rule[] = [rule];
  while (stack.length > 0) {
    const r = stack.pop() as Rule;
    if (r.type === 'state') out.add(r.alarm);
    else if (r.type === 'not') stack.push(r.rule);
    else if (r.type === 'and' || r.type === 'or') stack.push(r.left, r.right);
  }
  return [...out];
}

export function evaluateAlarmRule(rule: Rule, stateOf: (alarm: string) => AlarmState | undefined): boolean {
  switch (rule.type) {
    case 'constant':
      return rule.value;
    case 'state':
      return stateOf(rule.alarm) === rule.state;
    case 'not':
      return !evaluateAlarmRule(rule.rule, stateOf);
    case 'and':
      return evaluateAlarmRule(rule.left, stateOf) && evaluateAlarmRule(rule.right, stateOf);
    case 'or':
      return evaluateAlarmRule(rule.left, stateOf) || evaluateAlarmRule(rule.right, stateOf);
  }
}
