/** Time source, injected so that tests can move time (signature expiry, clock skew). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
