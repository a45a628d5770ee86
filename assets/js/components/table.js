// Owns: the dense data table every list page uses: client-side sortable columns, sticky header,
// the loading and empty rows, and the "Load more" button for cursor paging.
import { html, useState, useMemo } from '../html.js';
import { Icon } from './icons.js';
import { Spinner } from './ui.js';

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

const cellClass = (c) => [c.align === 'num' ? 'num' : '', c.minor ? 'col-minor' : '', c.class || ''].join(' ').trim() || undefined;

function compare(a, b) {
  if (a == null || a === '') return b == null || b === '' ? 0 : 1;
  if (b == null || b === '') return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(String(a), String(b));
}

/**
 * columns: [{ key, label, render(row), sort?(row) -> value, align?: 'num', width?, class?, minor? }]
 * A `minor` column is left out on narrow screens (CSS), so the ones that identify a row keep room.
 * rowAttrs(row): extra attributes for the <tr> (data-* ids tests and styles rely on).
 * `wide`: a table with many columns; on mid-sized screens it drops its minor columns already and
 * scrolls sideways instead of being cut off.
 */
export function DataTable({ id, columns, rows, rowKey = (r) => r.id, rowAttrs = () => ({}), loading, empty, label, wide = false }) {
  const [sort, setSort] = useState(null);
  const sorted = useMemo(() => {
    if (!sort) return rows;
    const col = columns.find((c) => c.key === sort.key && c.sort);
    if (!col) return rows; // the sorted column is no longer shown
    const out = [...rows].sort((a, b) => compare(col.sort(a), col.sort(b)));
    return sort.dir === 'desc' ? out.reverse() : out;
  }, [rows, sort, columns]);

  const toggle = (key) => setSort((s) => (s && s.key === key
    ? (s.dir === 'asc' ? { key, dir: 'desc' } : null)
    : { key, dir: 'asc' }));

  const head = (c) => {
    const active = sort && sort.key === c.key;
    const ariaSort = active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined;
    const cls = cellClass(c);
    if (!c.sort) return html`<th scope="col" class=${cls} width=${c.width} data-col=${c.key}>${c.label}</th>`;
    return html`<th scope="col" class=${cls} width=${c.width} data-col=${c.key} aria-sort=${ariaSort}>
      <button type="button" class=${active ? 'th-sort th-sort-active' : 'th-sort'} data-sort=${c.key}
          onClick=${() => toggle(c.key)}>
        ${c.label}<${Icon} name=${active ? (sort.dir === 'asc' ? 'sortUp' : 'sortDown') : 'sortNone'} size=${13} />
      </button>
    </th>`;
  };

  let body;
  if (loading && rows.length === 0) {
    body = html`<tr class="table-status"><td colspan=${columns.length}>
      <span class="loading" role="status"><${Spinner} /> Loading…</span></td></tr>`;
  } else if (rows.length === 0) {
    body = html`<tr class="table-status"><td colspan=${columns.length}>${empty}</td></tr>`;
  } else {
    body = sorted.map((r) => html`<tr key=${rowKey(r)} ...${rowAttrs(r)}>
      ${columns.map((c) => html`<td class=${cellClass(c)} data-col=${c.key}>${c.render(r)}</td>`)}
    </tr>`);
  }

  const card = `table-card${wide ? ' table-card-wide' : ''}${loading && rows.length ? ' is-refreshing' : ''}`;
  return html`<div class=${card}>
    <table id=${id} class="table" aria-label=${label} aria-busy=${loading ? 'true' : 'false'}>
      <thead><tr>${columns.map(head)}</tr></thead>
      <tbody>${body}</tbody>
    </table>
  </div>`;
}

/** "Load more" under a list from useList(), shown only while the server has more. */
export function LoadMore({ list }) {
  if (!list.next) return null;
  return html`<div class="load-more">
    <button type="button" class="btn" id="load-more" onClick=${list.loadMore} disabled=${list.more}>
      ${list.more && html`<${Spinner} />`}${list.more ? 'Loading…' : 'Load more'}
    </button>
  </div>`;
}
