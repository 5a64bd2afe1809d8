/**
 * Charts as SVG files: Vega-Lite specs compiled to Vega and rendered headless (no canvas, no
 * browser; npm `vega` and `vega-lite`). Loss curves per training, AP during training, final AP
 * per model.
 */
import { View, parse } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../io/atomic-write';

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
}

export interface LineChart {
  title: string;
  xTitle: string;
  yTitle: string;
  series: readonly Series[];
  /** A log y axis (losses spanning decades); non-positive values are left out. */
  logY?: boolean;
}

async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function lineChartSpec(chart: LineChart): TopLevelSpec {
  const values = chart.series.flatMap((s) =>
    s.points
      .filter(([, y]) => Number.isFinite(y) && (!chart.logY || y > 0))
      .map(([x, y]) => ({ series: s.name, x, y })),
  );
  return {
    title: chart.title,
    width: 480,
    height: 240,
    data: { values },
    mark: { type: 'line', point: values.length <= 60 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: chart.xTitle },
      y: {
        field: 'y',
        type: 'quantitative',
        title: chart.yTitle,
        scale: chart.logY ? { type: 'log' } : { zero: false },
      },
      color: { field: 'series', type: 'nominal', title: null },
    },
  };
}

export interface BarChart {
  title: string;
  valueTitle: string;
  bars: readonly { label: string; value: number }[];
}

export function barChartSpec(chart: BarChart): TopLevelSpec {
  return {
    title: chart.title,
    width: 360,
    data: { values: chart.bars.map((b) => ({ label: b.label, value: b.value })) },
    mark: 'bar',
    encoding: {
      y: { field: 'label', type: 'nominal', sort: null, title: null },
      x: { field: 'value', type: 'quantitative', title: chart.valueTitle },
    },
  };
}

export async function writeLineChart(path: string, chart: LineChart): Promise<void> {
  writeFileAtomic(path, await renderSvg(lineChartSpec(chart)));
}

export async function writeBarChart(path: string, chart: BarChart): Promise<void> {
  writeFileAtomic(path, await renderSvg(barChartSpec(chart)));
}
