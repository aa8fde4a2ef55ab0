import { describe, expect, it } from 'vitest';
import { timelineOf } from './execution-shapes.js';

describe('timelineOf', () => {
  it('splits a finished query into queue, engine and service time that add up to its total', () => {
    expect(timelineOf({ submitted_at: 1000, started_at: 1100, completed_at: 1600, engine_ms: 300 })).toEqual({
      queueMs: 100,
      engineMs: 300,
      serviceMs: 200,
      totalMs: 600,
    });
  });

  it('never says the engine ran longer than the query did', () => {
    // The engine's own clock can read a little more than the wall clock between start and completion.
    const timeline = timelineOf({ submitted_at: 1000, started_at: 1100, completed_at: 1600, engine_ms: 900 });
    expect(timeline).toEqual({ queueMs: 100, engineMs: 500, serviceMs: 0, totalMs: 600 });
    expect(timeline.queueMs + timeline.engineMs + timeline.serviceMs).toBe(timeline.totalMs);
  });

  it('answers what is known of a query still running', () => {
    expect(timelineOf({ submitted_at: 1000, started_at: 1100, completed_at: null, engine_ms: 0 })).toEqual({
      queueMs: 100,
      engineMs: 0,
      serviceMs: 0,
      totalMs: 0,
    });
  });
});
