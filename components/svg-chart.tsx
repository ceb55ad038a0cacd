// A chart drawn on the server: Apache ECharts renders the option to an SVG string (its
// server-side mode, no DOM), and the page ships that SVG with no chart code for the
// browser. The SVG scales to its container (viewBox); `summary` is its text alternative.
import "server-only";
import { BarChart, LineChart } from "echarts/charts";
import { AriaComponent, GridComponent, LegendComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { SVGRenderer } from "echarts/renderers";

echarts.use([BarChart, LineChart, AriaComponent, GridComponent, LegendComponent, SVGRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

export function renderChartSvg(option: ChartOption, size: { width: number; height: number }): string {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width: size.width, height: size.height });
  try {
    chart.setOption({ animation: false, ...option });
    return chart.renderToSVGString({ useViewBox: true });
  } finally {
    chart.dispose();
  }
}

export function SvgChart({
  option,
  summary,
  testId,
  width = 640,
  height = 220,
}: {
  option: ChartOption;
  summary: string;
  testId: string;
  width?: number;
  height?: number;
}) {
  return (
    <div
      role="img"
      aria-label={summary}
      data-testid={testId}
      className="w-full overflow-hidden [&>svg]:h-auto [&>svg]:w-full"
      // The SVG is ECharts' output for our own option (numbers and fixed labels, no user text).
      dangerouslySetInnerHTML={{ __html: renderChartSvg(option, { width, height }) }}
    />
  );
}
