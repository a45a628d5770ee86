// Owns: the small pieces the fleet pages share: the online dot and badge, usage bars coloured by
// level, the updates cell (security ones highlighted), tag chips, and stat tiles.
import { html } from '../html.js';
import { pct, diskLevel, plural } from '../format.js';

/** A coloured dot: green online, grey offline. */
export const StatusDot = ({ online }) => html`<span class=${online ? 'dot dot-on' : 'dot dot-off'}
  data-online=${online ? 'true' : 'false'} role="img" aria-label=${online ? 'Online' : 'Offline'}
  title=${online ? 'Online' : 'Offline'}></span>`;

export const OnlineBadge = ({ online, id }) => (online
  ? html`<span class="badge badge-on" id=${id} data-online="true">Online</span>`
  : html`<span class="badge badge-off" id=${id} data-online="false">Offline</span>`);

/**
 * A percentage with a thin bar under or beside it. `levels` colours it: disks turn amber at 90 %
 * and red at 95 %; other gauges stay neutral.
 */
export function UsageBar({ value, levels = true, wide = false, bare = false }) {
  if (value == null) return bare ? null : html`<span class="muted">—</span>`;
  const level = levels ? diskLevel(value) : 'plain';
  const width = `${Math.max(0, Math.min(100, value))}%`;
  return html`<span class=${`usage${wide ? ' usage-wide' : ''}${bare ? ' usage-bare' : ''}`} data-level=${level}>
    <span class="usage-track" aria-hidden="true"><span class="usage-fill" style=${{ width }}></span></span>
    ${!bare && html`<span class="usage-value tabular">${pct(value)}</span>`}
  </span>`;
}

/** A percentage cell coloured like a disk when `levels`, else plain. */
export const PctCell = ({ value, levels = false }) => (value == null
  ? html`<span class="muted">—</span>`
  : html`<span class="tabular" data-level=${levels ? diskLevel(value) : undefined}>${pct(value)}</span>`);

/** Pending updates: "12", with the security ones highlighted ("12 · 5 security"). */
export function UpdatesCell({ pending, security }) {
  if (pending == null) return html`<span class="muted" title="Not reported yet">—</span>`;
  if (!pending) return html`<span class="muted tabular">0</span>`;
  return html`<span class="updates">
    <span class="tabular">${pending}</span>
    ${security > 0 && html`<span class="badge badge-security" title=${plural(security, 'security update')}>${security} security</span>`}
  </span>`;
}

export function TagList({ tags }) {
  if (!tags || !tags.length) return null;
  return html`<span class="tag-list">${tags.map((t) => html`<span key=${t} class="chip">${t}</span>`)}</span>`;
}

/** A number with a label, optionally a link (the dashboard's counts, the device's gauges). */
export function Tile({ id, label, value, sub, href, tone, children }) {
  const inner = html`
    <span class="tile-label">${label}</span>
    <span class="tile-value tabular" id=${id}>${value}</span>
    ${sub && html`<span class="tile-sub">${sub}</span>`}
    ${children}`;
  const cls = `tile${tone ? ` tile-${tone}` : ''}${href ? ' tile-link' : ''}`;
  return href ? html`<a class=${cls} href=${href}>${inner}</a>` : html`<div class=${cls}>${inner}</div>`;
}
