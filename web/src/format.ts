import { ATHENA_PRICING } from './pricing.js';

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Data scanned as people read it: 1.2 MB, not 1258291 bytes. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

// Two significant digits: a 10 MB query costs $0.000048, which rounding to cents would call free.
const SMALL_USD = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  maximumSignificantDigits: 2,
});
const USD = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

export function formatUsd(amount: number): string {
  return amount >= 1 ? USD.format(amount) : SMALL_USD.format(amount);
}

/** How the cost is worked out, for a tooltip beside it. */
export const PRICING_NOTE = `$${ATHENA_PRICING.usdPerTerabyte} per TB scanned, at least ${formatBytes(ATHENA_PRICING.minimumBytes)} per query`;

const DATE_TIME = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  timeZoneName: 'short',
});

/** A moment in the browser's time zone, with that zone named: "Dec 2, 2026, 09:31:58 UTC". */
export function formatDateTime(date: Date): string {
  return DATE_TIME.format(date);
}
