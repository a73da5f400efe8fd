/** SVG charts for results.md, rendered headless with vega-lite -> vega (no browser, no canvas). */
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

async function render(spec: vegaLite.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

export interface ScaleOutPoint {
  readonly devices: number;
  readonly segments: number;
  readonly seconds: number;
  readonly kind: 'sweep' | 'bare Scan';
}

/** Sweep wall time by segments, one panel per fleet size, next to the bare Scan with the same segments. */
export function scaleOutChart(points: readonly ScaleOutPoint[]): Promise<string> {
  return render({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Sweep scale-out on DynamoDB Local: N devices, K segments', subtitle: 'median wall time; lower is better' },
    data: { values: points.map((p) => ({ ...p, fleet: `N = ${p.devices.toLocaleString('en-US')}` })) },
    facet: { column: { field: 'fleet', type: 'nominal', title: null, sort: { field: 'devices' } } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 220,
      height: 220,
      mark: { type: 'bar', tooltip: true },
      encoding: {
        x: { field: 'segments', type: 'ordinal', title: 'segments K', axis: { labelAngle: 0 } },
        xOffset: { field: 'kind', type: 'nominal', sort: ['sweep', 'bare Scan'] },
        y: { field: 'seconds', type: 'quantitative', title: 'seconds' },
        color: { field: 'kind', type: 'nominal', title: null, scale: { domain: ['sweep', 'bare Scan'], range: ['#4c78a8', '#bab0ac'] } },
      },
    },
  });
}

export interface TargetPoint {
  readonly key: string;
  /** Share of the allowance used: <= 1 meets the target. */
  readonly used: number;
  readonly met: boolean;
}

/** Each key's measured value as a share of its target's allowance; the rule at 1 is the target. */
export function targetsChart(points: readonly TargetPoint[]): Promise<string> {
  return render({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Measured vs target', subtitle: 'value/target for "<=" targets, target/value for ">=" targets; <= 1 meets' },
    width: 420,
    height: { step: 22 },
    layer: [
      {
        data: { values: points.map((p) => ({ ...p, status: p.met ? 'met' : 'missed' })) },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'key', type: 'nominal', sort: null, title: null, axis: { labelLimit: 320 } },
          x: { field: 'used', type: 'quantitative', title: 'share of allowance used' },
          color: { field: 'status', type: 'nominal', title: null, scale: { domain: ['met', 'missed'], range: ['#54a24b', '#e45756'] } },
        },
      },
      { data: { values: [{ x: 1 }] }, mark: { type: 'rule', strokeDash: [4, 3] }, encoding: { x: { field: 'x', type: 'quantitative' } } },
    ],
  });
}

export interface DetectionQualityPoint {
  readonly scenario: string;
  readonly mode: string;
  /** Median detection time T_D, seconds (null: no real outage detected). */
  readonly detectionMedianSeconds: number | null;
  readonly falseAlarmsPerDeviceDay: number;
}

/** The simulator's two headline measures side by side: median T_D and false alarms per device-day, by scenario and mode. */
export function detectionQualityChart(points: readonly DetectionQualityPoint[]): Promise<string> {
  const panel = (field: keyof DetectionQualityPoint, title: string) => ({
    width: 260,
    height: { step: 14 },
    mark: { type: 'bar' as const, tooltip: true },
    encoding: {
      y: { field: 'scenario', type: 'nominal' as const, sort: null, title: null },
      yOffset: { field: 'mode', type: 'nominal' as const },
      x: { field, type: 'quantitative' as const, title },
      color: { field: 'mode', type: 'nominal' as const, title: 'mode' },
    },
  });
  return render({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Detection quality (npm run simulate)', subtitle: 'lower is better on both' },
    data: { values: points.map((p) => ({ ...p })) },
    hconcat: [panel('detectionMedianSeconds', 'median detection time T_D (s)'), panel('falseAlarmsPerDeviceDay', 'false alarms per device-day')],
  });
}
