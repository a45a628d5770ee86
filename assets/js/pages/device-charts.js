// Owns: the device page's Charts tab: CPU, memory (and swap), load, each disk's usage, network
// per interface and temperatures over 1 h / 24 h / 7 d / 30 d / 1 y, from
// GET /api/v1/devices/{id}/series. While open, each check-in of the device appends its new points:
// the tab asks only for what came after the last point it has (same step, so the buckets line
// up) and slides the window forward.
import { html, useState, useEffect, useRef, useCallback, useMemo } from '../html.js';
import { api, path, withQuery } from '../api.js';
import { useLiveRefresh } from '../live.js';
import { Icon } from '../components/icons.js';
import { LoadError, Spinner } from '../components/ui.js';
import { TimeChart } from '../components/chart.js';

const RANGES = [
  { key: '1h', label: '1 h', secs: 3600, step: 1 }, // every raw sample
  { key: '24h', label: '24 h', secs: 86400 },
  { key: '7d', label: '7 d', secs: 7 * 86400 },
  { key: '30d', label: '30 d', secs: 30 * 86400 },
  { key: '1y', label: '1 y', secs: 365 * 86400 },
];
const RANGE_KEY = 'steward.chartRange';

const RESOLUTION_NOTE = { raw: '', '5m': '5-minute averages', '1h': 'hourly averages' };

function savedRange() {
  try {
    const k = localStorage.getItem(RANGE_KEY);
    return RANGES.some((r) => r.key === k) ? k : '1h';
  } catch {
    return '1h';
  }
}

/** The metrics to fetch: those the device has series of (from the detail's `series`). */
function metricsOf(device) {
  const have = new Set((device.series || []).map((s) => s.metric));
  const want = ['cpu_pct', 'mem_used_pct', 'swap_used_pct', 'load1', 'load5', 'load15', 'disk_used_pct', 'net_rx_bps', 'net_tx_bps', 'temp_c'];
  return want.filter((m) => have.has(m));
}

/** Merges an answer for [from, now] into what we have: later points replace, older than the window go. */
function merge(old, answer, windowStart) {
  const bySubject = new Map(old.series.map((s) => [s.subject, s.points]));
  for (const s of answer.series) {
    const kept = (bySubject.get(s.subject) || []).filter((p) => p[0] < answer.from);
    bySubject.set(s.subject, [...kept, ...s.points]);
  }
  const series = [...bySubject].map(([subject, points]) => ({ subject, points: points.filter((p) => p[0] >= windowStart) }));
  return { ...old, to: answer.to, series };
}

/** The newest point's time among the lines (all lines get points from the same check-ins). */
const lastTs = (answer) => {
  let t = null;
  for (const s of answer.series) {
    const p = s.points[s.points.length - 1];
    if (p && (t == null || p[0] > t)) t = p[0];
  }
  return t;
};

export function ChartsTab({ device }) {
  const [rangeKey, setRangeKey] = useState(savedRange);
  const range = RANGES.find((r) => r.key === rangeKey);
  const [state, setState] = useState({ loading: true, error: '', data: {} }); // data: metric -> answer
  const dataRef = useRef(state.data);
  dataRef.current = state.data;
  const metrics = metricsOf(device);
  const metricsKey = metrics.join(',');
  const busy = useRef(false);
  const generation = useRef(0);

  const choose = (key) => {
    setRangeKey(key);
    try { localStorage.setItem(RANGE_KEY, key); } catch { /* the choice applies to this page only */ }
  };

  // The whole range, on opening and when the range changes.
  useEffect(() => {
    const gen = ++generation.current;
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true, error: '' }));
    const to = Math.floor(Date.now() / 1000);
    Promise.all(metrics.map((metric) => api.get(withQuery(path`/api/v1/devices/${device.id}/series`, {
      metric, from: to - range.secs, step: range.step,
    }), { signal: ctl.signal }).then((a) => [metric, a])))
      .then((pairs) => { if (gen === generation.current) setState({ loading: false, error: '', data: Object.fromEntries(pairs) }); })
      .catch((e) => { if (e.name !== 'AbortError' && gen === generation.current) setState((s) => ({ ...s, loading: false, error: e.message })); });
    return () => ctl.abort();
  }, [device.id, rangeKey, metricsKey]);

  // A check-in: fetch only what came after the last point, with the same step, and append.
  const append = useCallback(async () => {
    if (busy.current || state.loading) return;
    busy.current = true;
    const gen = generation.current;
    try {
      const current = dataRef.current;
      const updates = await Promise.all(metrics.map(async (metric) => {
        const old = current[metric];
        const from = old ? lastTs(old) ?? old.to - range.secs : null;
        const params = old ? { metric, from, step: old.step } : { metric, from: Math.floor(Date.now() / 1000) - range.secs, step: range.step };
        try {
          const answer = await api.get(withQuery(path`/api/v1/devices/${device.id}/series`, params));
          return [metric, old ? merge(old, answer, answer.to - range.secs) : answer];
        } catch {
          return [metric, old]; // keep what we have; the next check-in tries again
        }
      }));
      if (gen === generation.current) {
        setState((s) => ({ ...s, data: { ...s.data, ...Object.fromEntries(updates.filter(([, v]) => v)) } }));
      }
    } finally {
      busy.current = false;
    }
  }, [device.id, rangeKey, metricsKey, state.loading]);
  useLiveRefresh((e) => String(e.device_id) === String(device.id) && (e.type === 'check_in' || e.type === 'resync'), append);

  const d = state.data;
  const any = Object.values(d)[0];
  const to = any ? any.to : Math.floor(Date.now() / 1000);
  const from = to - range.secs;
  const resolution = any ? any.resolution : 'raw';
  const common = { from, to, step: any ? any.step : range.step };
  // The lines of every chart, made once per answer (not per render), so charts redraw only on new data.
  const charts = useMemo(() => chartLines(d), [d]);

  return html`<div id="charts" data-range=${rangeKey} data-resolution=${resolution}>
    <div class="toolbar charts-toolbar">
      <div class="segmented" role="group" aria-label="Time range">
        ${RANGES.map((r) => html`<button key=${r.key} type="button" id=${`range-${r.key}`}
            class=${r.key === rangeKey ? 'seg active' : 'seg'} aria-pressed=${r.key === rangeKey ? 'true' : 'false'}
            onClick=${() => choose(r.key)}>${r.label}</button>`)}
      </div>
      ${state.loading && html`<span class="loading"><${Spinner} /> Loading…</span>`}
      <span class="muted charts-note">${RESOLUTION_NOTE[resolution] ? `${RESOLUTION_NOTE[resolution]}; the band shows min to max.` : ''}</span>
    </div>
    ${state.error && html`<${LoadError} message=${state.error} />`}
    ${metrics.length === 0 && !state.loading
      ? html`<p class="muted">No history yet: charts fill in as the device reports.</p>`
      : html`<div class="chart-grid">
        <${ChartCard} title="CPU" id="chart-cpu_pct" lines=${charts.cpu} kind="pct" max=${100} ...${common} />
        <${ChartCard} title=${charts.memory.length > 1 ? 'Memory and swap' : 'Memory'} id="chart-mem_used_pct"
          lines=${charts.memory} kind="pct" max=${100} ...${common} />
        ${charts.load.length > 0 && html`<${ChartCard} title="Load" id="chart-load" lines=${charts.load} kind="num" ...${common} />`}
        ${charts.disks.length > 0 && html`<${ChartCard} title="Disk usage" id="chart-disk_used_pct" kind="pct" max=${100}
          lines=${charts.disks} ...${common} />`}
        ${charts.network.map(([iface, lines]) => html`<${ChartCard} key=${iface} title=${`Network: ${iface}`}
          id=${`chart-net-${iface}`} lines=${lines} kind="rate" ...${common} />`)}
        ${charts.temperatures.length > 0 && html`<${ChartCard} title="Temperatures" id="chart-temp_c" kind="temp"
          lines=${charts.temperatures} ...${common} />`}
      </div>`}
    ${charts.idle.length > 0 && html`<p class="muted tab-note" id="idle-interfaces"><${Icon} name="activity" size=${14} />
      No traffic in this range on ${charts.idle.join(', ')}.</p>`}
  </div>`;
}

/** Every chart's lines from the answers: [{label, points}] per chart; idle interfaces left out. */
function chartLines(d) {
  const lines = (metric, label) => (d[metric] ? d[metric].series.map((s) => ({ label: label(s.subject), points: s.points })) : []);
  const rx = d.net_rx_bps ? d.net_rx_bps.series : [];
  const tx = d.net_tx_bps ? d.net_tx_bps.series : [];
  const interfaces = [...new Set([...rx, ...tx].map((s) => s.subject))].sort();
  const network = interfaces.map((iface) => [iface, [
    ...rx.filter((s) => s.subject === iface).map((s) => ({ label: 'Receive', points: s.points })),
    ...tx.filter((s) => s.subject === iface).map((s) => ({ label: 'Send', points: s.points })),
  ]]);
  const isIdle = ([, ls]) => ls.every((l) => l.points.every((p) => !p[3]));
  return {
    cpu: lines('cpu_pct', () => 'CPU'),
    memory: [...lines('mem_used_pct', () => 'Memory'), ...lines('swap_used_pct', () => 'Swap')],
    load: [...lines('load1', () => '1 min'), ...lines('load5', () => '5 min'), ...lines('load15', () => '15 min')],
    disks: lines('disk_used_pct', (s) => s || '/'),
    network: network.filter((n) => !isIdle(n)),
    idle: network.filter(isIdle).map(([iface]) => iface),
    temperatures: lines('temp_c', (s) => s || 'Sensor'),
  };
}

function ChartCard({ title, id, ...chart }) {
  return html`<section class="card chart-card">
    <div class="card-head"><h2>${title}</h2></div>
    <${TimeChart} id=${id} ...${chart} />
  </section>`;
}
