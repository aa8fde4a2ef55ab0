import type { ECharts } from 'echarts/core';
import { useEffect, useRef } from 'react';
import { type ChartOption, init } from './echarts.js';

export type { ChartOption } from './echarts.js';

export interface EChartProps {
  option: ChartOption;
  /** Pixels; the width follows the container. */
  height: number;
  /** What the chart shows, in a few words; ECharts adds a description of its series and data. */
  label: string;
  testId?: string;
}

/**
 * One ECharts instance in a React tree, for the result chart and the dashboards: created with its element,
 * redrawn when the option changes (replacing the last one, never merging with it), resized with its
 * container and disposed with the component.
 */
export function EChart({ option, height, label, testId }: EChartProps) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts | undefined>(undefined);

  useEffect(() => {
    const container = element.current;
    if (!container) return undefined;
    const instance = init(container, undefined, { renderer: 'svg' });
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(container);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = undefined;
    };
  }, []);

  useEffect(() => {
    // ECharts' aria component describes the series and their values in the chart element's aria-label.
    chart.current?.setOption({ aria: { enabled: true }, ...option }, { notMerge: true });
  }, [option]);

  return (
    <figure className="echart-figure" aria-label={label} data-testid={testId}>
      {/* React writes style through the CSSOM, which the console's policy allows. */}
      <div ref={element} className="echart" style={{ height }} />
    </figure>
  );
}
