// Owns: the bell in the top bar: the caller's unread in-app notices as a count, and the list of
// recent notices in a panel that opens from it, with "Mark all as read". It listens for live
// "notice" events, so a new notice shows without a reload. Notice text is rendered as text only;
// a notice's link is followed only when it is an http(s) URL or one of the app's own #/ routes.
import { html, useState, useEffect, useCallback } from '../html.js';
import { api, withQuery } from '../api.js';
import { useLiveRefresh } from '../live.js';
import { Dialog } from './dialog.js';
import { Time, Empty, LoadError, Spinner } from './ui.js';

const SHOWN = 20;

/** A bell, drawn like the icons in icons.js (24x24 grid, stroke paths). */
export function BellIcon({ size = 17 }) {
  return html`<svg class="icon" width=${size} height=${size} viewBox="0 0 24 24" aria-hidden="true" focusable="false"
      fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">
    <path d="M6 16.5V11a6 6 0 0 1 12 0v5.5l1.5 2h-15Z" />
    <path d="M10 20.5a2.2 2.2 0 0 0 4 0" />
  </svg>`;
}

/** Only links that stay on the web: http(s) URLs and the app's own routes. */
export function safeLink(link) {
  if (typeof link !== 'string') return '';
  return /^https?:\/\//i.test(link) || link.startsWith('#/') ? link : '';
}

const LEVEL = { critical: 'crit', warning: 'warn' };

export function NoticeBell({ user }) {
  const [state, setState] = useState({ unread: 0, items: [], loaded: false, error: '' });
  const [open, setOpen] = useState(false);
  const [marking, setMarking] = useState(false);

  const load = useCallback(() => api.get(withQuery('/api/v1/notifications', { limit: SHOWN }))
    .then((d) => setState({ unread: d.unread, items: d.items, loaded: true, error: '' }))
    .catch((e) => setState((s) => ({ ...s, loaded: true, error: e.message }))), []);
  useEffect(() => { load(); }, [load]);
  useLiveRefresh((e) => e.type === 'notice', load);

  const markAll = async () => {
    const newest = state.items.length ? state.items[0].id : 0;
    setMarking(true);
    try {
      const d = await api.post('/api/v1/notifications/read', { up_to: newest });
      setState((s) => ({ ...s, unread: d.unread, items: s.items.map((n) => ({ ...n, read: n.read || n.id <= newest })) }));
    } catch (e) {
      setState((s) => ({ ...s, error: e.message }));
    } finally {
      setMarking(false);
    }
  };

  const label = state.unread ? `Notifications: ${state.unread} unread` : 'Notifications';
  const staff = user.role === 'admin' || user.role === 'technician';
  return html`<button type="button" class="icon-btn" id="notice-bell" aria-label=${label} title=${label}
      data-unread=${state.unread} aria-haspopup="dialog" onClick=${() => { setOpen(true); load(); }}>
      <${BellIcon} />
      ${state.unread > 0 && html`<span class="tab-count tab-count-bad" id="notice-count" aria-hidden="true">
        ${state.unread > 99 ? '99+' : state.unread}</span>`}
    </button>
    ${open && html`<${Dialog} id="notices-dialog" title="Notifications" wide onClose=${() => setOpen(false)}>
      <div class="dialog-body">
        ${state.error && html`<${LoadError} message=${state.error} onRetry=${load} />`}
        ${!state.loaded ? html`<span class="loading" role="status"><${Spinner} /> Loading…</span>`
          : state.items.length === 0 ? html`<${Empty} icon="check" title="No notices.">
              ${staff ? 'Alerts reach this list through an in-app channel (Notifications page).' : 'Alerts about your company will show up here.'}<//>`
          : html`<table class="mini-table" id="notices-list" aria-label="Recent notices">
              <tbody>
                ${state.items.map((n) => html`<${NoticeRow} key=${n.id} notice=${n} onOpen=${() => setOpen(false)} />`)}
              </tbody>
            </table>`}
        ${state.unread > state.items.length && html`<p class="field-hint">Showing the newest ${state.items.length}.</p>`}
      </div>
      <div class="dialog-foot">
        ${staff && html`<a class="btn btn-ghost" href="#/channels" onClick=${() => setOpen(false)}>Channels</a>`}
        <button type="button" class="btn" id="notices-read" disabled=${marking || state.unread === 0} onClick=${markAll}>
          ${marking && html`<${Spinner} />`}Mark all as read
        </button>
        <button type="button" class="btn btn-primary" autofocus onClick=${() => setOpen(false)}>Close</button>
      </div>
    <//>`}`;
}

function NoticeRow({ notice: n, onOpen }) {
  const link = safeLink(n.link);
  const title = n.read ? n.title : html`<span class="strong">${n.title}</span>`;
  return html`<tr data-notice-id=${n.id} data-read=${n.read ? 'true' : 'false'} class=${n.read ? '' : 'row-new'}>
    <td class="nowrap"><span class="verdict verdict-${n.event === 'resolved' ? 'ok' : LEVEL[n.severity] || 'none'}">
      ${n.event === 'resolved' ? 'Resolved' : n.severity === 'critical' ? 'Critical' : 'Warning'}</span></td>
    <td>
      ${link ? html`<a href=${link} onClick=${onOpen}>${title}</a>` : title}
      ${n.body && html`<div class="field-hint">${n.body.split('\n')[0]}</div>`}
    </td>
    <td class="nowrap muted"><${Time} value=${n.at} /></td>
  </tr>`;
}
