// The last 24 hours of one integration as three server-rendered charts (components/
// svg-chart.tsx): deliveries per hour by outcome, p95 processing latency, outbound
// success rate. Under them, the same numbers as a table for screen readers and copying.
import { SvgChart, type ChartOption } from "@/components/svg-chart";
import { deliveryOutcomes, type DeliveryOutcome, type IntegrationHistory } from "@/lib/integrations/health-history";

const outcomeColours: Record<DeliveryOutcome, string> = { processed: "#16a34a", pending: "#94a3b8", failed: "#d97706", dead: "#dc2626" };
const outcomeLabels: Record<DeliveryOutcome, string> = { processed: "Processed", pending: "Waiting", failed: "Failed (retrying)", dead: "Dead" };

const hourLabel = (iso: string) => `${iso.slice(11, 13)}:00`;

function axes(history: IntegrationHistory, yName: string, yMax?: number): ChartOption {
  return {
    grid: { left: 48, right: 16, top: 36, bottom: 28 },
    xAxis: { type: "category", data: history.hours.map((h) => hourLabel(h.hour)), axisLabel: { interval: 2, fontSize: 10 } },
    yAxis: { type: "value", name: yName, nameTextStyle: { fontSize: 10 }, minInterval: 1, ...(yMax !== undefined ? { max: yMax } : {}) },
  };
}

function ChartCard({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <figure className="rounded-md border border-slate-200 p-3">
      <figcaption className="mb-1 text-xs font-medium uppercase tracking-wide text-slate-500">{title}</figcaption>
      {children}
    </figure>
  );
}

export function HealthCharts({ history }: { history: IntegrationHistory }) {
  const { hours } = history;
  const total = (o: DeliveryOutcome) => hours.reduce((n, h) => n + h.deliveries[o], 0);
  const deliveries = deliveryOutcomes.reduce((n, o) => n + total(o), 0);
  const latencies = hours.map((h) => h.p95ProcessingMs).filter((v): v is number => v !== null);
  const calls = hours.reduce((n, h) => n + h.outboundCalls, 0);
  const successes = hours.reduce((n, h) => n + h.outboundSuccesses, 0);
  const busyHours = hours.filter((h) => h.outboundCalls > 0 || deliveryOutcomes.some((o) => h.deliveries[o] > 0));

  return (
    <div data-testid="health-charts">
      <p className="mb-3 text-xs text-slate-500">Last 24 hours, by hour (UTC).</p>
      <div className="grid gap-4 lg:grid-cols-3">
        <ChartCard title="Deliveries by outcome">
          <SvgChart
            testId="chart-deliveries"
            summary={`${deliveries} deliveries in 24 hours: ${deliveryOutcomes.map((o) => `${total(o)} ${outcomeLabels[o].toLowerCase()}`).join(", ")}.`}
            option={{
              ...axes(history, "deliveries"),
              legend: { top: 0, itemWidth: 10, itemHeight: 10, textStyle: { fontSize: 10 } },
              series: deliveryOutcomes.map((o) => ({
                name: outcomeLabels[o],
                type: "bar",
                stack: "deliveries",
                color: outcomeColours[o],
                emphasis: { disabled: true },
                data: hours.map((h) => h.deliveries[o]),
              })),
            }}
          />
        </ChartCard>
        <ChartCard title="p95 processing latency">
          <SvgChart
            testId="chart-latency"
            summary={
              latencies.length ? `p95 time from receipt to processed: highest hour ${Math.max(...latencies)} ms.` : "No deliveries were processed in 24 hours."
            }
            option={{
              ...axes(history, "ms"),
              series: [
                {
                  name: "p95",
                  type: "line",
                  color: "#4f46e5",
                  connectNulls: false,
                  symbolSize: 5,
                  emphasis: { disabled: true },
                  data: hours.map((h) => h.p95ProcessingMs),
                },
              ],
            }}
          />
        </ChartCard>
        <ChartCard title="Outbound success rate">
          <SvgChart
            testId="chart-outbound"
            summary={calls ? `${successes} of ${calls} outbound calls succeeded in 24 hours.` : "No outbound calls in 24 hours."}
            option={{
              ...axes(history, "%", 100),
              series: [
                {
                  name: "success rate",
                  type: "line",
                  color: "#0891b2",
                  connectNulls: false,
                  symbolSize: 5,
                  emphasis: { disabled: true },
                  data: hours.map((h) => (h.outboundSuccessRate === null ? null : Math.round(h.outboundSuccessRate * 1000) / 10)),
                },
              ],
            }}
          />
        </ChartCard>
      </div>
      <details className="mt-3 text-sm">
        <summary className="cursor-pointer text-slate-600">The numbers behind the charts</summary>
        {busyHours.length === 0 ? (
          <p className="mt-2 text-slate-500">Nothing happened in the last 24 hours.</p>
        ) : (
          <table className="mt-2 w-full text-left text-xs" data-testid="health-history-table">
            <thead>
              <tr className="text-slate-500">
                <th className="py-1 pr-2 font-medium">Hour (UTC)</th>
                {deliveryOutcomes.map((o) => (
                  <th key={o} className="py-1 pr-2 font-medium">
                    {outcomeLabels[o]}
                  </th>
                ))}
                <th className="py-1 pr-2 font-medium">p95 ms</th>
                <th className="py-1 pr-2 font-medium">Outbound ok / calls</th>
              </tr>
            </thead>
            <tbody>
              {busyHours.map((h) => (
                <tr key={h.hour} data-testid={`history-${h.hour.slice(0, 13)}`} className="border-t border-slate-100">
                  <td className="py-1 pr-2">
                    {h.hour.slice(0, 10)} {hourLabel(h.hour)}
                  </td>
                  {deliveryOutcomes.map((o) => (
                    <td key={o} className="py-1 pr-2" data-testid={`history-${o}`}>
                      {h.deliveries[o]}
                    </td>
                  ))}
                  <td className="py-1 pr-2" data-testid="history-p95">
                    {h.p95ProcessingMs ?? "—"}
                  </td>
                  <td className="py-1 pr-2" data-testid="history-outbound">
                    {h.outboundSuccesses} / {h.outboundCalls}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </details>
    </div>
  );
}
