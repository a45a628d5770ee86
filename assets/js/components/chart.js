// Owns: time-series charts, drawn by the vendored uPlot on a canvas. A chart fills its
// container's width (and follows it when the window or layout changes), takes its colours from
// the theme's CSS variables (and redraws when the theme changes), plots each line's average and,
// when the points are aggregates (min < max), a faint min–max band behind it. Gaps in the data
// (the device was off) stay gaps instead of being bridged by a straight line.
import { html, useState, useEffect, useRef, useMemo } from '../html.js';
import uPlot from '../../vendor/uplot/uPlot.esm.js';
import { pct, rate, bytes, num, celsius } from '../format.js';

const FORMATS = {
  pct: (v) => pct(v),
  rate: (v) => rate(v),
  bytes: (v) => bytes(v),
  temp: (v) => celsius(v),
  num: (v) => num(v, 2),
};

// Axis labels are shorter than legend values: no decimals where they would only add noise.
const AXIS_FORMATS = {
  pct: (v) => `${Math.round(v)} %`,
  rate: (v) => rate(v),
  bytes: (v) => bytes(v, 0),
  temp: (v) => `${Math.round(v)} °C`,
  num: (v) => num(v, 1),
};

const cursorTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const tickTime = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const tickDay = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const tickMonth = new Intl.DateTimeFormat(undefined, { month: 'short', year: 'numeric' });

/** Time-axis labels in the browser's locale: times, with the date where the day changes; days; months. */
function timeTicks(u, splits, axisIdx, space, incr) {
  let lastDay = null;
  return splits.map((v) => {
    const d = new Date(v * 1000);
    if (incr >= 28 * 86400) return tickMonth.format(d);
    if (incr >= 86400) return tickDay.format(d);
    const day = d.toDateString();
    const label = tickTime.format(d);
    const showDay = lastDay !== null && day !== lastDay;
    lastDay = day;
    return showDay ? `${label}\n${tickDay.format(d)}` : label;
  });
}

function cssVar(name, fallback) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/** `#rrggbb` (or `#rgb`) with an alpha, as rgba(). Other colour syntaxes come back unchanged. */
function withAlpha(color, a) {
  let m = /^#([0-9a-f]{6})$/i.exec(color);
  if (!m) {
    const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(color);
    if (short) m = [null, short.slice(1).map((c) => c + c).join('')];
  }
  if (!m) return color;
  const n = parseInt(m[1], 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

function themeColors() {
  return {
    axis: cssVar('--text-muted', '#5a6474'),
    grid: cssVar('--chart-grid', '#e1e4e9'),
    font: `11px ${cssVar('--font', 'system-ui, sans-serif')}`,
    lines: [1, 2, 3, 4, 5, 6].map((i) => cssVar(`--chart-${i}`, '#2563eb')),
  };
}

/** The typical spacing of the points (median), to tell a gap from normal spacing. */
function typicalSpacing(points) {
  if (points.length < 3) return null;
  const d = [];
  for (let i = 1; i < points.length; i++) d.push(points[i][0] - points[i - 1][0]);
  d.sort((a, b) => a - b);
  return d[Math.floor(d.length / 2)];
}

/** One line's table for uPlot.join: [xs, avg, min, max], with nulls where the data has a gap. */
function lineTable(points, step) {
  const spacing = typicalSpacing(points);
  const gap = Math.max(3 * (spacing || 0), 2 * (step || 0), 90);
  const xs = [], avg = [], min = [], max = [];
  for (let i = 0; i < points.length; i++) {
    const [t, mn, av, mx] = points[i];
    if (i > 0 && t - points[i - 1][0] > gap) {
      xs.push(points[i - 1][0] + 1);
      avg.push(null); min.push(null); max.push(null);
    }
    xs.push(t); avg.push(av); min.push(mn); max.push(mx);
  }
  return [xs, avg, min, max];
}

const isAggregate = (lines) => lines.some((l) => l.points.some((p) => p[3] - p[1] > 1e-9));

function lastValue(data, idx) {
  const ys = data[idx] || [];
  for (let i = ys.length - 1; i >= 0; i--) if (ys[i] != null) return ys[i];
  return null;
}

/**
 * id: the element id (tests look for `#<id>[data-points]`).
 * lines: [{ label, points: [[ts, min, avg, max], ...] }], one per line (disk, interface, ...).
 * kind: 'pct' | 'rate' | 'bytes' | 'temp' | 'num', for the axis and legend units.
 * from, to: the x range in unix seconds. step: the server's seconds per point.
 */
export function TimeChart({ id, lines, kind = 'num', from, to, step, height = 190, max, empty = 'No data in this range.' }) {
  const box = useRef(null);
  const plot = useRef(null);
  const range = useRef({ from, to });
  range.current = { from, to };
  const [theme, setTheme] = useState(0);

  const band = useMemo(() => isAggregate(lines), [lines]);
  const points = lines.reduce((n, l) => n + l.points.length, 0);
  // What the plot is made of; a change here means a new uPlot, anything else just new data.
  const shape = JSON.stringify([lines.map((l) => l.label), band, kind, height, max]);
  const data = useMemo(() => {
    const tables = lines.map((l) => {
      const t = lineTable(l.points, step);
      return band ? [t[0], t[1], t[2], t[3]] : [t[0], t[1]];
    });
    if (tables.length === 0) return [[]];
    return tables.length === 1 ? tables[0] : uPlot.join(tables);
  }, [lines, band, step]);
  const dataRef = useRef(data);
  dataRef.current = data;

  useEffect(() => {
    const fn = () => setTheme((n) => n + 1);
    window.addEventListener('steward:theme', fn);
    return () => window.removeEventListener('steward:theme', fn);
  }, []);

  // Make (or remake) the plot when its shape or the theme changes.
  useEffect(() => {
    const el = box.current;
    if (!el || points === 0) return undefined;
    const colors = themeColors();
    const fmt = FORMATS[kind] || FORMATS.num;
    const axisFmt = AXIS_FORMATS[kind] || AXIS_FORMATS.num;
    const value = (u, v, si, idx) => fmt(idx == null ? lastValue(u.data, si) : v);
    const series = [{ label: 'Time', value: (u, v, si, idx) => (idx == null || v == null ? 'Latest' : cursorTime.format(v * 1000)) }];
    const bands = [];
    lines.forEach((l, i) => {
      const c = colors.lines[i % colors.lines.length];
      series.push({
        label: l.label, stroke: c, width: 1.5, value, points: { show: false },
        fill: lines.length === 1 && !band ? withAlpha(c, 0.08) : undefined,
      });
      if (band) {
        const edge = { stroke: 'transparent', width: 0, points: { show: false }, class: 'u-band-edge', value };
        series.push({ ...edge, label: `${l.label} min` }, { ...edge, label: `${l.label} max` });
        const base = series.length - 3;
        bands.push({ series: [base + 2, base + 1], fill: withAlpha(c, 0.16) });
      }
    });
    const axis = {
      stroke: colors.axis, font: colors.font,
      grid: { stroke: colors.grid, width: 1 },
      ticks: { stroke: colors.grid, width: 1, size: 4 },
    };
    const yMax = max;
    const opts = {
      width: Math.max(200, el.clientWidth),
      height,
      cursor: { drag: { x: false, y: false, setScale: false }, points: { size: 6 } },
      legend: { live: true },
      scales: {
        x: { time: true, range: () => [range.current.from, range.current.to] },
        y: {
          range: (u, lo, hi) => {
            if (yMax != null) return [0, yMax];
            const top = hi == null || hi <= 0 ? 1 : hi * 1.12;
            return [Math.min(0, lo ?? 0), top];
          },
        },
      },
      axes: [
        { ...axis, space: 70, values: timeTicks },
        {
          ...axis,
          values: (u, splits) => splits.map(axisFmt),
          size: (u, values) => (values ? Math.max(...values.map((v) => String(v).length)) * 6.4 + 16 : 40),
        },
      ],
      series,
      bands,
    };
    const u = new uPlot(opts, dataRef.current, el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = el.clientWidth;
      if (w > 0 && Math.abs(w - u.width) > 1) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      if (plot.current === u) plot.current = null;
    };
  }, [shape, theme, points === 0]);

  // New points (or a moved range): the same plot, new data (setData also re-reads the x range).
  useEffect(() => {
    if (plot.current) plot.current.setData(data);
  }, [data, from, to]);

  return html`<div class="chart" id=${id} data-points=${points} data-lines=${lines.length}
      data-band=${band ? 'true' : 'false'}>
    ${points === 0
      ? html`<div class="chart-empty" style=${{ height: `${height}px` }}>${empty}</div>`
      : html`<div class="chart-plot" ref=${box}></div>`}
  </div>`;
}
