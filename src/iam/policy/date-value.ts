/**
 * Date condition values: the W3C profile of ISO 8601 or epoch seconds, as the Date operators document.
 * https://www.w3.org/TR/NOTE-datetime
 */
const isoPattern =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

const epochPattern = /^-?\d{1,15}$/;

/** Milliseconds since the epoch, or undefined when the text is not a date IAM accepts. */
export function parseDateValue(text: string): number | undefined {
  if (epochPattern.test(text) && text.length !== 4) return Number(text) * 1000;
  const m = isoPattern.exec(text);
  if (m === null) return undefined;
  const [, year, month = '01', day = '01', hour, minute, second = '00', fraction = '', zone] = m;
  if (hour !== undefined && zone === undefined) return undefined;
  const iso = `${year}-${month}-${day}T${hour ?? '00'}:${minute ?? '00'}:${second}${fraction.slice(0, 4)}${zone ?? 'Z'}`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2020-02-31 over to March; IAM refuses it, so check the fields survived.
  const check = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (check.getUTCMonth() !== Number(month) - 1 || check.getUTCDate() !== Number(day)) return undefined;
  return ms;
}

const numericPattern = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A numeric condition value, or undefined when it is not a number. */
export function parseNumericValue(text: string): number | undefined {
  if (!numericPattern.test(text.trim())) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
