import { BarChart, type BarSeriesOption, LineChart, type LineSeriesOption } from 'echarts/charts';
import {
  AriaComponent,
  type AriaComponentOption,
  GridComponent,
  type GridComponentOption,
  LegendComponent,
  type LegendComponentOption,
  TooltipComponent,
  type TooltipComponentOption,
} from 'echarts/components';
import { type ComposeOption, init, use } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

/**
 * ECharts as the console uses it: only the charts and components drawn here are bundled (echarts/core with
 * parts, not the whole library), and the SVG renderer, whose text stays in the page (legends, labels) and
 * which writes its styles through the CSSOM, as the console's Content-Security-Policy requires. A dashboard
 * that needs another chart type registers it here.
 */
use([BarChart, LineChart, GridComponent, TooltipComponent, LegendComponent, AriaComponent, SVGRenderer]);

/** ECharts' init, from here so that nothing can create a chart before the parts above are registered. */
export { init };

export type ChartOption = ComposeOption<
  | BarSeriesOption
  | LineSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | LegendComponentOption
  | AriaComponentOption
>;
