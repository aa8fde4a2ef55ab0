/**
 * What a query costs, as Athena bills it: a rate per terabyte scanned, with each query's bytes rounded up to
 * the next megabyte and never less than a minimum. The console reads the rate from here and nowhere else.
 */
export interface Pricing {
  readonly usdPerTerabyte: number;
  readonly minimumBytes: number;
  readonly roundingBytes: number;
}

export const ATHENA_PRICING: Pricing = {
  usdPerTerabyte: 5,
  minimumBytes: 10 * 1024 * 1024,
  roundingBytes: 1024 * 1024,
};

const TERABYTE = 1024 ** 4;

/** Athena bills successful and cancelled queries; failed queries and DDL statements are free. */
export function isBilled(state: string, statementType: string | undefined): boolean {
  return (state === 'SUCCEEDED' || state === 'CANCELLED') && statementType !== 'DDL';
}

/** The cost in US dollars of a query that scanned `bytes`. */
export function queryCostUsd(bytes: number, pricing: Pricing = ATHENA_PRICING): number {
  const rounded = Math.ceil(bytes / pricing.roundingBytes) * pricing.roundingBytes;
  return (Math.max(rounded, pricing.minimumBytes) / TERABYTE) * pricing.usdPerTerabyte;
}
