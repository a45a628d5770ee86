// Owns: the Notifications page (#/channels, staff): the channels alerts go out through (e-mail,
// webhook, Slack, Teams, in-app), with each one's last delivery at a glance; admins add, edit,
// enable, disable and delete them. "Send test" queues a test notice through the outbox and opens
// the channel's recent deliveries, which refresh while any is waiting, so the test's progress
// (attempts, the receiver's error, delivered) shows as it changes.
import { html, useState, useEffect, useRef } from '../html.js';
import { api, path, withQuery } from '../api.js';
import { useList, useTitle, useClientOptions } from '../hooks.js';
import { usePageShortcut } from '../shortcuts.js';
import { Icon } from '../components/icons.js';
import { Dialog, ConfirmDialog } from '../components/dialog.js';
import { DataTable, LoadMore } from '../components/table.js';
import { Field, Time, Empty, LoadError, PageHead, SubmitButton, StatusBadge, Spinner } from '../components/ui.js';
import { notify } from '../components/toast.js';
import { useForm, FormError } from '../components/form.js';
import { plural } from '../format.js';

export const KINDS = [
  { value: 'email', label: 'E-mail', target: 'E-mail addresses', hint: 'One or more addresses, separated by commas.', placeholder: 'oncall@example.com, boss@example.com' },
  { value: 'webhook', label: 'Webhook', target: 'URL', hint: 'Steward POSTs the notice as JSON, with an X-Steward-Delivery header to drop repeats.', placeholder: 'https://hooks.example.com/steward' },
  { value: 'slack', label: 'Slack', target: 'Incoming webhook URL', hint: 'From a Slack app’s “Incoming Webhooks” (Mattermost and Rocket.Chat take the same).', placeholder: 'https://hooks.slack.com/services/…' },
  { value: 'teams', label: 'Microsoft Teams', target: 'Workflow webhook URL', hint: 'From the Teams workflow “Post to a channel when a webhook request is received”.', placeholder: 'https://…/workflows/…' },
  { value: 'in_app', label: 'In-app', target: '', hint: '', placeholder: '' },
];
const kindOf = (v) => KINDS.find((k) => k.value === v) || KINDS[1];

const SEVERITIES = [
  { value: 'warning', label: 'Warnings and criticals' },
  { value: 'critical', label: 'Critical only' },
];

const STATE_LEVEL = { delivered: 'ok', pending: 'warn', failed: 'crit' };
const STATE_LABEL = { delivered: 'Delivered', pending: 'Waiting', failed: 'Failed' };

function DeliveryState({ d }) {
  return html`<span class="verdict verdict-${STATE_LEVEL[d.state] || 'none'}" data-state=${d.state}>${STATE_LABEL[d.state] || d.state}</span>`;
}

/** One line on how the channel is doing, from its newest delivery. */
function LastDelivery({ c }) {
  const d = c.last_delivery;
  if (!d) return html`<span class="muted">Nothing sent yet</span>`;
  if (d.state === 'delivered') return html`<span class="ok-note"><${Icon} name="check" />Delivered <${Time} value=${d.delivered_at} /></span>`;
  if (d.state === 'failed') return html`<span data-level="crit" title=${d.last_error}>Gave up: ${d.last_error}</span>`;
  return html`<span data-level=${d.attempts ? 'warn' : undefined} title=${d.last_error}>
    ${d.attempts ? `Retrying (${plural(d.attempts, 'attempt')}): ${d.last_error}` : 'Sending…'}</span>`;
}

export function ChannelsPage({ user }) {
  useTitle('Notifications');
  const isAdmin = user.role === 'admin';
  const list = useList('/api/v1/channels');
  const [dialog, setDialog] = useState(null); // {kind: 'add'} | {kind: 'edit', channel} | {kind: 'delete', channel}
  const [selected, setSelected] = useState(null); // the channel whose deliveries are shown
  const [testing, setTesting] = useState(null); // {channelId, deliveryId} of the last test sent here
  const [busy, setBusy] = useState(null);
  usePageShortcut('n', () => isAdmin && setDialog({ kind: 'add' }));

  const sendTest = async (c) => {
    setBusy(`test-${c.id}`);
    try {
      const d = await api.post(path`/api/v1/channels/${c.id}/test`);
      setTesting({ channelId: c.id, deliveryId: d.id });
      setSelected(c);
      notify.ok(`Test notice queued for “${c.name}”; its progress shows under Recent deliveries.`);
      list.refresh();
    } catch (e) {
      notify.error(e.message);
    } finally {
      setBusy(null);
    }
  };

  const setEnabled = async (c, enabled) => {
    setBusy(`enable-${c.id}`);
    try {
      list.replace(await api.patch(path`/api/v1/channels/${c.id}`, { enabled }));
      notify.ok(enabled ? `“${c.name}” is on.` : `“${c.name}” is off; waiting alert notices for it were dropped.`);
    } catch (e) {
      notify.error(e.message);
    } finally {
      setBusy(null);
    }
  };

  const columns = [
    {
      key: 'name', label: 'Channel', sort: (c) => c.name,
      render: (c) => html`<span class="strong">${c.name}</span>
        <span class="cell-sub">${c.client_id != null ? `Only ${c.client || `client ${c.client_id}`}` : 'Every client'}</span>`,
    },
    { key: 'kind', label: 'Kind', width: '120', sort: (c) => kindOf(c.kind).label, render: (c) => kindOf(c.kind).label },
    {
      key: 'target', label: 'Sends to', minor: true, class: 'cell-clip-md',
      render: (c) => (c.kind === 'in_app' ? html`<span class="muted">The bell in Steward</span>` : html`<span class="mono-ish" title=${c.target}>${c.target}</span>`),
    },
    {
      key: 'severity', label: 'Sends', width: '150', minor: true, sort: (c) => c.min_severity,
      render: (c) => (c.min_severity === 'critical' ? 'Critical only' : 'Warnings and criticals'),
    },
    { key: 'status', label: 'Last delivery', class: 'cell-clip-md', render: (c) => (c.enabled ? html`<${LastDelivery} c=${c} />` : html`<${StatusBadge} disabled=${true} />`) },
    {
      key: 'actions', label: html`<span class="sr-only">Actions</span>`, class: 'actions',
      render: (c) => html`<div class="row-actions">
        <button type="button" class="btn btn-sm" data-action="test-channel" disabled=${busy === `test-${c.id}`}
          aria-label=${`Send a test notice to ${c.name}`} onClick=${() => sendTest(c)}>
          ${busy === `test-${c.id}` && html`<${Spinner} />`}Send test</button>
        <button type="button" class="btn btn-sm btn-ghost" data-action="show-deliveries" aria-pressed=${selected && selected.id === c.id ? 'true' : 'false'}
          aria-label=${`Recent deliveries of ${c.name}`} onClick=${() => setSelected(selected && selected.id === c.id ? null : c)}>
          <${Icon} name="list" /><span class="btn-label">Deliveries</span></button>
        ${isAdmin && html`
          <button type="button" class="btn btn-sm btn-ghost" data-action="edit-channel" aria-label=${`Edit ${c.name}`}
            onClick=${() => setDialog({ kind: 'edit', channel: c })}><${Icon} name="edit" /><span class="btn-label">Edit</span></button>
          <button type="button" class="btn btn-sm btn-ghost" data-action=${c.enabled ? 'disable-channel' : 'enable-channel'}
            disabled=${busy === `enable-${c.id}`} onClick=${() => setEnabled(c, !c.enabled)}>${c.enabled ? 'Turn off' : 'Turn on'}</button>
          <button type="button" class="icon-btn icon-btn-sm" data-action="delete-channel" aria-label=${`Delete ${c.name}`}
            title="Delete" onClick=${() => setDialog({ kind: 'delete', channel: c })}><${Icon} name="trash" /></button>`}
      </div>`,
    },
  ];

  const close = () => setDialog(null);
  const count = list.items.length;
  const shown = selected && (list.items.find((c) => c.id === selected.id) || selected);
  return html`<section class="page">
    <${PageHead} title="Notifications" sub=${list.loading && !count ? 'Loading…' : `${plural(count, 'channel')}${list.next ? ' shown (more below)' : ''}`}>
      ${isAdmin && html`<button type="button" class="btn btn-primary" id="add-channel" title="Add channel (n)" onClick=${() => setDialog({ kind: 'add' })}>
        <${Icon} name="plus" />Add channel
      </button>`}
    <//>
    <p class="lead-text">Alerts go out through every channel that is on and wants their severity and client.
      A notice that cannot be delivered is retried, waiting longer each time, for up to a day.</p>
    ${list.error && html`<${LoadError} message=${list.error} onRetry=${list.reload} />`}
    <${DataTable} id="channels-table" label="Notification channels" columns=${columns} rows=${list.items} loading=${list.loading}
      empty=${html`<${Empty} icon="external" title="No channels yet.">
        ${isAdmin ? 'Add one with “Add channel”: an e-mail list, a webhook, Slack, Teams, or the bell here in Steward.' : 'An admin adds channels; they will show up here.'}<//>`}
      rowAttrs=${(c) => ({ 'data-channel-id': c.id, 'data-kind': c.kind, class: c.enabled ? '' : 'row-muted' })} />
    <${LoadMore} list=${list} />
    ${shown && html`<${Deliveries} key=${shown.id} channel=${shown} highlight=${testing && testing.channelId === shown.id ? testing.deliveryId : null}
      onChange=${list.refresh} onClose=${() => setSelected(null)} />`}
    ${dialog && dialog.kind === 'add' && html`<${ChannelDialog} onClose=${close} onSaved=${(c) => {
      close();
      notify.ok(`Channel “${c.name}” added. Send a test to check it.`);
      list.reload();
    }} />`}
    ${dialog && dialog.kind === 'edit' && html`<${ChannelDialog} channel=${dialog.channel} onClose=${close}
      onSaved=${(c) => { close(); list.replace(c); notify.ok(`Channel “${c.name}” saved.`); }} />`}
    ${dialog && dialog.kind === 'delete' && html`<${ConfirmDialog} title=${`Delete “${dialog.channel.name}”?`}
      message="Notices stop going to it, and its waiting deliveries and delivery history are deleted."
      confirmLabel="Delete channel" onClose=${close} onConfirm=${async () => {
        await api.del(path`/api/v1/channels/${dialog.channel.id}`);
        if (selected && selected.id === dialog.channel.id) setSelected(null);
        notify.ok(`Channel “${dialog.channel.name}” deleted.`);
        list.reload();
      }} />`}
  </section>`;
}

/**
 * A channel's recent deliveries. Re-reads every 2 s while any of them is waiting, so a test's
 * progress shows as it happens, and stops once all are delivered or given up.
 */
function Deliveries({ channel, highlight, onChange, onClose }) {
  const [state, setState] = useState({ items: [], loading: true, error: '' });
  const states = useRef('');
  const load = () => api.get(withQuery(path`/api/v1/channels/${channel.id}/deliveries`, { limit: 20 }))
    .then((d) => {
      const summary = d.items.map((x) => `${x.id}:${x.state}:${x.attempts}`).join(',');
      if (states.current && summary !== states.current) onChange();
      states.current = summary;
      setState({ items: d.items, loading: false, error: '' });
    })
    .catch((e) => setState((s) => ({ ...s, loading: false, error: e.message })));
  useEffect(() => { load(); }, [highlight]);
  const waiting = state.items.some((d) => d.state === 'pending');
  useEffect(() => {
    if (!waiting) return undefined;
    const t = setInterval(load, 2000);
    return () => clearInterval(t);
  }, [waiting, channel.id]);

  return html`<section id="deliveries" aria-labelledby="deliveries-title" data-channel-id=${channel.id}>
    <div class="section-head">
      <div>
        <h2 id="deliveries-title">Recent deliveries: ${channel.name}</h2>
        <p class="section-sub">${waiting ? html`<${Spinner} /> Updating while some are waiting.` : 'Newest first; the delivery number is the X-Steward-Delivery header webhooks receive.'}</p>
      </div>
      <button type="button" class="btn btn-sm btn-ghost" aria-label="Hide deliveries" onClick=${onClose}><${Icon} name="x" />Hide</button>
    </div>
    <div class="card panel">
    ${state.error && html`<${LoadError} message=${state.error} onRetry=${load} />`}
    ${state.loading ? html`<span class="loading" role="status"><${Spinner} /> Loading…</span>`
      : state.items.length === 0 ? html`<p class="muted">Nothing sent through this channel yet. “Send test” sends one.</p>`
      : html`<table class="mini-table" id="deliveries-table">
          <thead><tr><th scope="col">Notice</th><th scope="col">State</th><th scope="col" class="num">Attempts</th>
            <th scope="col">Why it failed</th><th scope="col">Queued</th><th scope="col">Delivered or next try</th></tr></thead>
          <tbody>
            ${state.items.map((d) => html`<tr key=${d.id} data-delivery-id=${d.id} data-state=${d.state} class=${d.id === highlight ? 'row-new' : ''}>
              <td><span class="cell-sub">#${d.id} · ${d.event}</span> ${d.title}</td>
              <td class="nowrap"><${DeliveryState} d=${d} /></td>
              <td class="num">${d.attempts}</td>
              <td class=${d.state === 'delivered' ? 'muted' : ''}>${d.last_error || html`<span class="muted">—</span>`}</td>
              <td class="nowrap"><${Time} value=${d.created_at} /></td>
              <td class="nowrap">${d.state === 'delivered' ? html`<${Time} value=${d.delivered_at} />`
                : d.state === 'failed' ? html`Gave up <${Time} value=${d.failed_at} />`
                  : html`<${Time} value=${d.next_attempt_at} />`}</td>
            </tr>`)}
          </tbody>
        </table>`}
    </div>
  </section>`;
}

const URL_RE = /^https?:\/\/[^\s/]+\S*$/i;
const EMAIL_RE = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;

/** The form's own checks, the same the server makes; the server's answer is still final. */
function checkForm(f) {
  const errors = {};
  if (!f.name.trim()) errors.name = 'Give the channel a name, e.g. “On-call e-mail”.';
  const target = f.target.trim();
  if (f.kind === 'email') {
    const addresses = target.split(',').map((a) => a.trim()).filter(Boolean);
    const bad = addresses.find((a) => !EMAIL_RE.test(a));
    if (!addresses.length) errors.target = 'Enter one or more e-mail addresses, separated by commas.';
    else if (bad) errors.target = `“${bad}” is not an e-mail address.`;
  } else if (f.kind !== 'in_app' && !URL_RE.test(target)) {
    errors.target = 'Enter the receiver’s URL, starting with https:// (or http://).';
  }
  return errors;
}

function ChannelDialog({ channel, onClose, onSaved }) {
  const editing = !!channel;
  const [form, setForm] = useState(() => ({
    name: channel ? channel.name : '',
    kind: channel ? channel.kind : 'email',
    target: channel ? channel.target : '',
    min_severity: channel ? channel.min_severity : 'warning',
    client_id: channel && channel.client_id != null ? String(channel.client_id) : '',
    enabled: channel ? channel.enabled : true,
  }));
  const save = useForm({ fields: ['name', 'kind', 'target', 'min_severity', 'client_id'] });
  const { errors } = save;
  const clients = useClientOptions();
  const set = (k) => (v) => setForm((f) => ({ ...f, [k]: v }));
  const kind = kindOf(form.kind);

  const submit = save.onSubmit({
    check: () => checkForm(form),
    send: async () => {
      const body = {
        name: form.name.trim(),
        kind: form.kind,
        target: form.kind === 'in_app' ? '' : form.target.trim(),
        min_severity: form.min_severity,
        client_id: form.client_id === '' ? null : Number(form.client_id),
        enabled: form.enabled,
      };
      onSaved(editing ? await api.patch(path`/api/v1/channels/${channel.id}`, body) : await api.post('/api/v1/channels', body));
    },
  });

  return html`<${Dialog} id="channel-dialog" title=${editing ? `Edit ${channel.name}` : 'Add channel'} onClose=${onClose}>
    <form class="dialog-form" onSubmit=${submit} novalidate>
      <div class="dialog-body">
        <${Field} label="Name" id="channel-name" error=${errors.name}>
          <input id="channel-name" class="input" autofocus maxlength="100" autocomplete="off" value=${form.name}
            aria-invalid=${errors.name ? 'true' : 'false'} onInput=${(e) => set('name')(e.target.value)} />
        <//>
        <${Field} label="Kind" id="channel-kind" error=${errors.kind}>
          <select id="channel-kind" class="input" value=${form.kind} onChange=${(e) => set('kind')(e.target.value)}>
            ${KINDS.map((k) => html`<option key=${k.value} value=${k.value}>${k.label}</option>`)}
          </select>
        <//>
        ${form.kind !== 'in_app'
          ? html`<${Field} label=${kind.target} id="channel-target" error=${errors.target} hint=${kind.hint}>
              <input id="channel-target" class="input mono-ish" autocomplete="off" spellcheck="false" value=${form.target}
                placeholder=${kind.placeholder} aria-invalid=${errors.target ? 'true' : 'false'}
                onInput=${(e) => set('target')(e.target.value)} />
            <//>`
          : html`<p class="field-hint">In-app notices appear under the bell at the top of every page, for staff and (for
              their own company) client contacts.</p>`}
        <div class="field"><div class="form-grid">
          <${Field} label="Sends" id="channel-severity" error=${errors.min_severity}>
            <select id="channel-severity" class="input" value=${form.min_severity} onChange=${(e) => set('min_severity')(e.target.value)}>
              ${SEVERITIES.map((s) => html`<option key=${s.value} value=${s.value}>${s.label}</option>`)}
            </select>
          <//>
          <${Field} label="For" id="channel-client" error=${errors.client_id || clients.error}>
            ${clients.loading
              ? html`<div class="input input-loading"><${Spinner} /> Loading clients…</div>`
              : html`<select id="channel-client" class="input" value=${form.client_id} onChange=${(e) => set('client_id')(e.target.value)}>
                  <option value="">Every client</option>
                  ${clients.items.map((c) => html`<option key=${c.id} value=${String(c.id)}>Only ${c.name}</option>`)}
                </select>`}
          <//>
        </div></div>
        <div class="field"><label class="check"><input type="checkbox" id="channel-enabled" checked=${form.enabled}
          onChange=${(e) => set('enabled')(e.target.checked)} />On: send notices through this channel</label></div>
        <${FormError} id="channel-error" message=${errors.form} />
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose}>Cancel</button>
        <${SubmitButton} id="channel-submit" busy=${save.busy} label=${editing ? 'Save' : 'Add channel'} busyLabel="Saving…" />
      </div>
    </form>
  <//>`;
}
