import { useEffect, useRef, useState } from 'react';
import { type Failure, failureOf } from '../aws/denial.js';
import type { TimeWindow } from './time-range.js';

/**
 * What a widget has read: while a new window loads, the last answer stays on screen (a refresh does not
 * blank the dashboard); `generation` is the window the shown answer (or failure) is for.
 */
export type WindowLoad<T> =
  | { status: 'loading'; generation: number; value: T | undefined }
  | { status: 'loaded'; generation: number; value: T }
  | { status: 'failed'; generation: number; value: undefined; failure: Failure };

/**
 * Runs `load` for each new window, or when `key` (what the widget asks) changes; an answer that arrives after
 * the next window was asked for is dropped, and the request it belongs to aborted.
 */
export function useWindowLoad<T>(
  key: string,
  window: TimeWindow,
  load: (window: TimeWindow, signal: AbortSignal) => Promise<T>,
): WindowLoad<T> {
  const [state, setState] = useState<WindowLoad<T>>({ status: 'loading', generation: 0, value: undefined });
  const latest = useRef(load);
  latest.current = load;

  useEffect(() => {
    void key;
    const controller = new AbortController();
    setState((last) => ({ status: 'loading', generation: last.generation, value: last.value }));
    latest.current(window, controller.signal).then(
      (value) => {
        if (!controller.signal.aborted) setState({ status: 'loaded', generation: window.generation, value });
      },
      (error: unknown) => {
        if (!controller.signal.aborted)
          setState({
            status: 'failed',
            generation: window.generation,
            value: undefined,
            failure: failureOf(error),
          });
      },
    );
    return () => controller.abort();
  }, [key, window]);

  return state;
}
