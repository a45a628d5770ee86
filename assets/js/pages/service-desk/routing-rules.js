// Owns: the service desk's "Routing" tab: the routing rules in the order they are tried, each said
// in words ("Tickets from Acme, on devices tagged servers → queue Helpdesk (round-robin)"), with
// up / down buttons that rewrite the positions, the enabled switch, the add / edit dialog with a
// live preview of the rule in words, and delete with a confirmation.
import { html, useState, useMemo } from '../../html.js';
import { api, path } from '../../api.js';
import { useList, useClientOptions } from '../../hooks.js';
import { usePageShortcut } from '../../shortcuts.js';
import { Icon } from '../../components/icons.js';
import { Dialog, ConfirmDialog } from '../../components/dialog.js';
import { Field, Empty, LoadError, SubmitButton, Spinner } from '../../components/ui.js';
import { useForm, FormError } from '../../components/form.js';
import { notify } from '../../components/toast.js';
import { personName } from '../../components/ticket-parts.js';
import { plural } from '../../format.js';
import { assignmentShort, assignmentLong } from './queues.js';

const SOURCES = [
  ['', 'Any source'],
  ['alert', 'Alert'],
  ['manual', 'Opened by staff'],
  ['api', 'API'],
  ['portal', 'Client portal'],
];
const SOURCE_WORDS = { alert: 'alert', manual: 'staff', api: 'API', portal: 'portal' };

export function RoutingTab({ admin }) {
  const rules = useList('/api/v1/routing-rules');
  const queues = useList('/api/v1/queues');
  const techs = useList('/api/v1/technicians');
  const [dialog, setDialog] = useState(null); // {kind: 'add'|'edit'|'delete', rule}
  const [busy, setBusy] = useState(null);
  usePageShortcut('n', () => admin && setDialog({ kind: 'add' }));
  const close = () => setDialog(null);
  const queueById = useMemo(() => new Map(queues.items.map((q) => [q.id, q])), [queues.items]);
  const ordered = useMemo(() => [...rules.items].sort((a, b) => a.position - b.position || a.id - b.id), [rules.items]);

  const bodyOf = (r, changes = {}) => ({
    name: r.name, position: r.position, enabled: r.enabled, client_id: r.client_id, category: r.category, source: r.source,
    device_tag: r.device_tag, queue_id: r.queue_id, assignee_id: r.assignee_id, ...changes,
  });
  // Moving a rule renumbers them all 10, 20, 30… and saves the ones whose position changed.
  const move = async (index, by) => {
    const order = [...ordered];
    const [r] = order.splice(index, 1);
    order.splice(index + by, 0, r);
    setBusy(`move-${r.id}`);
    try {
      for (const [i, x] of order.entries()) {
        const position = (i + 1) * 10;
        if (x.position !== position) await api.put(path`/api/v1/routing-rules/${x.id}`, bodyOf(x, { position }));
      }
      notify.ok(`“${r.name}” is now rule ${index + by + 1} of ${order.length}.`);
    } catch (e) {
      notify.error(e.message);
    } finally {
      setBusy(null);
      rules.reload();
    }
  };
  const toggle = async (r, enabled) => {
    setBusy(`toggle-${r.id}`);
    try {
      rules.replace(await api.put(path`/api/v1/routing-rules/${r.id}`, bodyOf(r, { enabled })));
      notify.ok(enabled ? `“${r.name}” is on.` : `“${r.name}” is off: it is skipped.`);
    } catch (e) {
      notify.error(e.message);
    } finally {
      setBusy(null);
    }
  };
  const remove = async (r) => {
    await api.del(path`/api/v1/routing-rules/${r.id}`);
    notify.ok(`Routing rule “${r.name}” deleted.`);
    rules.reload();
  };

  return html`<div id="sd-routing">
    <div class="section-head sd-first-head">
      <div>
        <h2>Routing rules</h2>
        <p class="section-sub" id="routing-explained">A new ticket goes to the <strong>first matching rule</strong>, top to bottom.
          A rule’s queue then hands it to a member <strong>on shift</strong> by its method (round-robin, least-loaded, or nobody for manual);
          a rule naming a technician gives it to them. <strong>No rule matches</strong>: the ticket waits unassigned, in no queue.
          A ticket opened with a queue or technician already chosen skips the rules.</p>
      </div>
      ${admin && html`<button type="button" class="btn btn-primary" id="add-routing-rule" title="Add rule (n)"
          onClick=${() => setDialog({ kind: 'add' })}><${Icon} name="plus" />Add rule</button>`}
    </div>
    ${rules.error && html`<${LoadError} message=${rules.error} onRetry=${rules.reload} />`}
    ${rules.loading && !rules.items.length ? html`<p class="loading"><${Spinner} /> Loading rules…</p>`
      : !ordered.length && !rules.error ? html`<div class="card"><${Empty} icon="list" title="No routing rules.">
          Every new ticket waits unassigned until someone takes it.${admin ? ' Add a rule with “Add rule” or press n.' : ''}<//></div>`
      : html`<ol class="sd-rules" id="routing-rules">
          ${ordered.map((r, i) => html`<li key=${r.id} class=${r.enabled ? 'sd-rule' : 'sd-rule sd-rule-off'} data-rule-id=${r.id}
              data-position=${r.position} data-enabled=${r.enabled ? 'true' : 'false'}>
            <span class="sd-rule-num tabular" aria-hidden="true">${i + 1}</span>
            <input type="checkbox" class="switch" data-action="toggle-routing-rule" checked=${r.enabled}
              disabled=${!admin || busy === `toggle-${r.id}`} aria-label=${`${r.name}: ${r.enabled ? 'on' : 'off'}`}
              title=${admin ? (r.enabled ? 'On: click to skip this rule' : 'Off: click to use it') : (r.enabled ? 'On' : 'Off')}
              onChange=${(e) => toggle(r, e.target.checked)} />
            <div class="sd-rule-body">
              <div class="sd-rule-name"><span class="strong">${r.name}</span>${!r.enabled && html` <span class="badge badge-off">Off: skipped</span>`}</div>
              <div class="sd-rule-words" data-words>${ruleWords(r, queueById)}</div>
            </div>
            ${admin && html`<div class="row-actions">
              <button type="button" class="icon-btn icon-btn-sm" data-action="move-up" aria-label=${`Move ${r.name} up`} title="Try earlier"
                disabled=${i === 0 || !!busy} onClick=${() => move(i, -1)}><${Glyph} dir="up" /></button>
              <button type="button" class="icon-btn icon-btn-sm" data-action="move-down" aria-label=${`Move ${r.name} down`} title="Try later"
                disabled=${i === ordered.length - 1 || !!busy} onClick=${() => move(i, 1)}><${Glyph} dir="down" /></button>
              <button type="button" class="btn btn-sm btn-ghost" data-action="edit-routing-rule" aria-label=${`Edit ${r.name}`}
                onClick=${() => setDialog({ kind: 'edit', rule: r })}><${Icon} name="edit" /><span class="btn-label">Edit</span></button>
              <button type="button" class="btn btn-sm btn-danger-ghost" data-action="delete-routing-rule" aria-label=${`Delete ${r.name}`}
                onClick=${() => setDialog({ kind: 'delete', rule: r })}><${Icon} name="trash" /></button>
            </div>`}
          </li>`)}
          <li class="sd-rule sd-rule-fallback" aria-label="When no rule matches">
            <span class="sd-rule-num" aria-hidden="true">·</span>
            <span></span>
            <div class="sd-rule-body"><div class="sd-rule-words">Anything else <span class="sd-arrow">→</span> waits unassigned, in no queue</div></div>
          </li>
        </ol>`}
    ${dialog && (dialog.kind === 'add' || dialog.kind === 'edit') && html`<${RuleDialog}
      rule=${dialog.kind === 'edit' ? dialog.rule : null} queues=${queues.items} technicians=${techs.items} onClose=${close}
      onSaved=${(r, isNew) => { close(); notify.ok(isNew ? `Routing rule “${r.name}” added, last in line.` : `Routing rule “${r.name}” saved.`); rules.reload(); }} />`}
    ${dialog && dialog.kind === 'delete' && html`<${ConfirmDialog} title=${`Delete the routing rule “${dialog.rule.name}”?`}
      message="New tickets it would have caught go to the next matching rule, or wait unassigned. Tickets it already routed stay where they are."
      confirmLabel="Delete rule" onClose=${close} onConfirm=${() => remove(dialog.rule)} />`}
  </div>`;
}

/** A small chevron for the move buttons. */
function Glyph({ dir }) {
  const d = dir === 'up' ? 'M6 15l6-6 6 6' : 'M6 9l6 6 6-6';
  return html`<svg class="icon" width="14" height="14" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor"
    stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d=${d} /></svg>`;
}

/**
 * A rule in words: "Tickets from Acme, category printing, source alert, on devices tagged servers
 * → queue Helpdesk (round-robin)".
 */
export function ruleWords(r, queueById = new Map()) {
  // [words, whether they read on from "Tickets" by themselves ("from …", "on …") or need "with"]
  const conds = [];
  if (r.client_id != null) conds.push([html`from <strong>${r.client || `client ${r.client_id}`}</strong>`, true]);
  if (r.category) conds.push([html`category <strong>${r.category}</strong>`, false]);
  if (r.source) conds.push([html`source <strong>${SOURCE_WORDS[r.source] || r.source}</strong>`, false]);
  if (r.device_tag) conds.push([html`on devices tagged <span class="chip">${r.device_tag}</span>`, true]);
  const who = conds.length
    ? html`Tickets ${conds[0][1] ? '' : 'with '}${conds.map(([c], i) => html`${i ? ', ' : ''}${c}`)}`
    : 'Every ticket';
  const q = r.queue_id != null ? queueById.get(r.queue_id) : null;
  const queue = r.queue_id != null
    ? html`queue <strong>${r.queue || `queue ${r.queue_id}`}</strong>${q ? html` <span class="muted">(${assignmentShort(q.assignment).toLowerCase()})</span>` : ''}`
    : null;
  let target;
  if (r.assignee_id != null && queue) target = html`<strong>${r.assignee || `user ${r.assignee_id}`}</strong>, in ${queue}`;
  else if (r.assignee_id != null) target = html`<strong>${r.assignee || `user ${r.assignee_id}`}</strong>`;
  else target = queue;
  return html`${who} <span class="sd-arrow">→</span> ${target}`;
}

const RULE_FIELDS = ['name', 'position', 'client_id', 'category', 'source', 'device_tag', 'queue_id', 'assignee_id'];

function RuleDialog({ rule, queues, technicians, onClose, onSaved }) {
  const clients = useClientOptions();
  const tags = useList('/api/v1/tags');
  const str = (v) => (v == null ? '' : String(v));
  const [f, setF] = useState(() => ({
    name: rule ? rule.name : '', enabled: rule ? rule.enabled : true, client_id: str(rule && rule.client_id),
    category: rule ? rule.category : '', source: rule ? rule.source : '', device_tag: rule ? rule.device_tag : '',
    queue_id: str(rule && rule.queue_id), assignee_id: str(rule && rule.assignee_id),
  }));
  const save = useForm({ fields: RULE_FIELDS });
  const { errors, err } = save;
  const set = (k) => (e) => { const v = e.target.type === 'checkbox' ? e.target.checked : e.target.value; setF((x) => ({ ...x, [k]: v })); save.clear(); };
  const num = (v) => (v === '' ? null : Number(v));
  const body = {
    name: f.name.trim(), enabled: f.enabled, client_id: num(f.client_id), category: f.category.trim(), source: f.source,
    device_tag: f.device_tag.trim(), queue_id: num(f.queue_id), assignee_id: num(f.assignee_id),
  };
  if (rule) body.position = rule.position;
  const clientName = (clients.items.find((c) => String(c.id) === f.client_id) || {}).name;
  const queueName = (queues.find((q) => String(q.id) === f.queue_id) || {}).name;
  const techName = personName(technicians.find((t) => String(t.id) === f.assignee_id));
  const preview = ruleWords({ ...body, client: clientName, queue: queueName, assignee: techName },
    new Map(queues.map((q) => [q.id, q])));

  const submit = save.onSubmit({
    check: () => {
      const errs = {};
      if (!body.name) errs.name = 'Enter a name, e.g. “Printers to Helpdesk”.';
      if (body.queue_id == null && body.assignee_id == null) errs.queue_id = 'Choose where its tickets go: a queue, a technician, or both.';
      return errs;
    },
    send: async () => {
      const saved = rule ? await api.put(path`/api/v1/routing-rules/${rule.id}`, body) : await api.post('/api/v1/routing-rules', body);
      onSaved(saved, !rule);
    },
  });
  return html`<${Dialog} id="routing-rule-dialog" title=${rule ? `Edit the routing rule “${rule.name}”` : 'Add a routing rule'} onClose=${onClose} wide>
    <form class="dialog-form" onSubmit=${submit} novalidate>
      <div class="dialog-body">
        <${Field} label="Name" id="rr-name" error=${err('name')}>
          <input id="rr-name" class="input" autofocus maxlength="200" value=${f.name} placeholder="Printers to Helpdesk"
            aria-invalid=${err('name') ? 'true' : 'false'} onInput=${set('name')} />
        <//>
        <h3 class="sd-form-sub">When a new ticket… <span class="muted">(leave a condition empty to match anything)</span></h3>
        <div class="form-grid">
          <${Field} label="is for client" id="rr-client" error=${err('client_id') || clients.error}>
            <select id="rr-client" class="input" value=${f.client_id} aria-invalid=${err('client_id') ? 'true' : 'false'} onChange=${set('client_id')}>
              <option value="">Any client</option>
              ${f.client_id && !clients.items.some((c) => String(c.id) === f.client_id) && html`<option value=${f.client_id}>${(rule && rule.client) || `Client ${f.client_id}`}</option>`}
              ${clients.items.map((c) => html`<option key=${c.id} value=${String(c.id)}>${c.name}</option>`)}
            </select>
          <//>
          <${Field} label="comes from" id="rr-source" error=${err('source')}>
            <select id="rr-source" class="input" value=${f.source} aria-invalid=${err('source') ? 'true' : 'false'} onChange=${set('source')}>
              ${SOURCES.map(([v, label]) => html`<option key=${v} value=${v}>${label}</option>`)}
            </select>
          <//>
          <${Field} label="has the category" id="rr-category" error=${err('category')} hint="Compared without regard to case.">
            <input id="rr-category" class="input" maxlength="100" value=${f.category} placeholder="any category" autocomplete="off"
              aria-invalid=${err('category') ? 'true' : 'false'} onInput=${set('category')} />
          <//>
          <${Field} label="is about a device tagged" id="rr-tag" error=${err('device_tag')} hint="Any of the ticket’s linked devices.">
            <input id="rr-tag" class="input" list="rr-tag-list" maxlength="64" value=${f.device_tag} placeholder="any device" autocomplete="off"
              spellcheck="false" aria-invalid=${err('device_tag') ? 'true' : 'false'} onInput=${set('device_tag')} />
            <datalist id="rr-tag-list">${tags.items.map((t) => html`<option key=${t.tag} value=${t.tag}>${plural(t.devices, 'device')}</option>`)}</datalist>
          <//>
        </div>
        <h3 class="sd-form-sub">…it goes to</h3>
        <div class="form-grid">
          <${Field} label="Queue" id="rr-queue" error=${err('queue_id')}
              hint=${f.queue_id ? `Then: ${assignmentLong((queues.find((q) => String(q.id) === f.queue_id) || {}).assignment)}` : 'Its method picks a member on shift.'}>
            <select id="rr-queue" class="input" value=${f.queue_id} aria-invalid=${err('queue_id') ? 'true' : 'false'} onChange=${set('queue_id')}>
              <option value="">No queue</option>
              ${queues.map((q) => html`<option key=${q.id} value=${String(q.id)}>${q.name} (${assignmentShort(q.assignment).toLowerCase()})</option>`)}
            </select>
          <//>
          <${Field} label="Technician" id="rr-assignee" error=${err('assignee_id')} hint="Given directly, on shift or not; beats the queue’s method.">
            <select id="rr-assignee" class="input" value=${f.assignee_id} aria-invalid=${err('assignee_id') ? 'true' : 'false'} onChange=${set('assignee_id')}>
              <option value="">Nobody directly</option>
              ${f.assignee_id && !technicians.some((t) => String(t.id) === f.assignee_id) && html`<option value=${f.assignee_id}>${(rule && rule.assignee) || `User ${f.assignee_id}`}</option>`}
              ${technicians.map((t) => html`<option key=${t.id} value=${String(t.id)}>${personName(t)}</option>`)}
            </select>
          <//>
        </div>
        <label class="check sd-check"><input type="checkbox" id="rr-enabled" checked=${f.enabled} onChange=${set('enabled')} /> On</label>
        <p class="sd-rule-preview" id="rr-preview" aria-live="polite">${preview}</p>
        ${!rule && html`<p class="field-hint">A new rule is tried last; move it up in the list afterwards.</p>`}
        <${FormError} id="rr-error" message=${errors.form || err('position')} />
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose}>Cancel</button>
        <${SubmitButton} id="rr-submit" busy=${save.busy} label=${rule ? 'Save rule' : 'Add rule'} busyLabel="Saving…" />
      </div>
    </form>
  <//>`;
}
