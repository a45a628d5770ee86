// Owns: the service desk's "SLA" tab and the SLA policies on it: the policies (the default first)
// with their P1–P4 targets in business time, calendar, warning share and clients; the policy editor
// with "make default"; delete with a confirmation. Below them the business calendars
// (calendars.js) and each client's own policy (client-policies.js).
import { html, useState } from '../../html.js';
import { api, path } from '../../api.js';
import { useList } from '../../hooks.js';
import { Icon } from '../../components/icons.js';
import { Dialog, ConfirmDialog } from '../../components/dialog.js';
import { Field, LoadError, SubmitButton, Spinner } from '../../components/ui.js';
import { useForm, FormError } from '../../components/form.js';
import { notify } from '../../components/toast.js';
import { PriorityBadge } from '../../components/ticket-parts.js';
import { duration } from '../../format.js';
import { weekWords } from './hours.js';
import { CalendarCard, CalendarDialog } from './calendars.js';
import { ClientPolicies } from './client-policies.js';

const PRIORITY_KEYS = ['p1', 'p2', 'p3', 'p4'];

/** A target in business minutes for people: "30 min", "4 h", "1 d 2 h" (a day: 24 business hours). */
export const targetText = (minutes) => duration((Number(minutes) || 0) * 60);

export function SlaTab({ admin }) {
  const policies = useList('/api/v1/sla/policies');
  const calendars = useList('/api/v1/sla/calendars');
  const [dialog, setDialog] = useState(null);
  const [busy, setBusy] = useState(null);
  const close = () => setDialog(null);
  const reload = () => { policies.reload(); calendars.reload(); };

  const makeDefault = async (p) => {
    setBusy(`default-${p.id}`);
    try {
      await api.put(path`/api/v1/sla/policies/${p.id}`, { name: p.name, calendar_id: p.calendar_id, targets: p.targets, is_default: true });
      notify.ok(`“${p.name}” is the default policy now.`);
      reload();
    } catch (e) {
      notify.error(e.message);
    } finally {
      setBusy(null);
    }
  };
  const removePolicy = async (p) => {
    await api.del(path`/api/v1/sla/policies/${p.id}`);
    notify.ok(`SLA policy “${p.name}” deleted.`);
    reload();
  };
  const removeCalendar = async (k) => {
    await api.del(path`/api/v1/sla/calendars/${k.id}`);
    notify.ok(`Calendar “${k.name}” deleted.`);
    reload();
  };
  const deflt = policies.items.find((p) => p.is_default);

  return html`<div id="sd-sla">
    <div class="section-head sd-first-head">
      <div>
        <h2>SLA policies</h2>
        <p class="section-sub">Targets per priority, counted in the business hours of a calendar; time a ticket is pending does not count.
          A ticket keeps the policy it was opened under.</p>
      </div>
      ${admin && html`<button type="button" class="btn btn-primary" id="add-policy" onClick=${() => setDialog({ kind: 'policy' })}>
        <${Icon} name="plus" />Add policy</button>`}
    </div>
    ${policies.error && html`<${LoadError} message=${policies.error} onRetry=${policies.reload} />`}
    ${policies.loading && !policies.items.length ? html`<p class="loading"><${Spinner} /> Loading policies…</p>`
      : html`<div class="sd-policy-grid" id="policy-list">
          ${policies.items.map((p) => html`<${PolicyCard} key=${p.id} policy=${p} admin=${admin} busy=${busy === `default-${p.id}`}
            onEdit=${() => setDialog({ kind: 'policy', policy: p })} onDefault=${() => makeDefault(p)}
            onDelete=${() => setDialog({ kind: 'delete-policy', policy: p })} />`)}
        </div>`}

    <div class="section-head">
      <div>
        <h2>Business calendars</h2>
        <p class="section-sub">When SLA time runs: a time zone, hours per weekday, and holidays.</p>
      </div>
      ${admin && html`<button type="button" class="btn" id="add-calendar" onClick=${() => setDialog({ kind: 'calendar' })}>
        <${Icon} name="plus" />Add calendar</button>`}
    </div>
    ${calendars.error && html`<${LoadError} message=${calendars.error} onRetry=${calendars.reload} />`}
    ${calendars.loading && !calendars.items.length ? html`<p class="loading"><${Spinner} /> Loading calendars…</p>`
      : html`<div class="sd-calendar-grid" id="calendar-list">
          ${calendars.items.map((k) => html`<${CalendarCard} key=${k.id} calendar=${k} admin=${admin}
            onEdit=${() => setDialog({ kind: 'calendar', calendar: k })} onDelete=${() => setDialog({ kind: 'delete-calendar', calendar: k })} />`)}
        </div>`}

    <div class="section-head">
      <div>
        <h2>Clients’ policies</h2>
        <p class="section-sub">A client without its own policy gets the default${deflt ? html` (<strong>${deflt.name}</strong>)` : ''}.
          A change applies to tickets opened from then on.</p>
      </div>
    </div>
    <${ClientPolicies} policies=${policies.items} admin=${admin} onChanged=${policies.reload} />

    ${dialog && dialog.kind === 'policy' && html`<${PolicyDialog} policy=${dialog.policy} calendars=${calendars.items}
      defaultCalendarId=${deflt ? deflt.calendar_id : null} onClose=${close}
      onSaved=${(p, isNew) => { close(); notify.ok(isNew ? `SLA policy “${p.name}” added.` : `SLA policy “${p.name}” saved; its running tickets are recounted.`); reload(); }} />`}
    ${dialog && dialog.kind === 'calendar' && html`<${CalendarDialog} calendar=${dialog.calendar} onClose=${close}
      onSaved=${(k, isNew) => { close(); notify.ok(isNew ? `Calendar “${k.name}” added.` : `Calendar “${k.name}” saved; running tickets under it are recounted.`); reload(); }} />`}
    ${dialog && dialog.kind === 'delete-policy' && html`<${ConfirmDialog} title=${`Delete the SLA policy “${dialog.policy.name}”?`}
      message=${`${dialog.policy.clients.length ? `${dialog.policy.clients.map((c) => c.name).join(', ')} fall back to the default policy. ` : ''}Its running tickets keep their due times so far and count on under the default. This cannot be undone.`}
      confirmLabel="Delete policy" onClose=${close} onConfirm=${() => removePolicy(dialog.policy)} />`}
    ${dialog && dialog.kind === 'delete-calendar' && html`<${ConfirmDialog} title=${`Delete the calendar “${dialog.calendar.name}”?`}
      message=${dialog.calendar.policies.length
        ? `It is used by ${dialog.calendar.policies.map((n) => `“${n}”`).join(', ')}; the server will refuse until those policies use another calendar.`
        : 'No policy uses it. This cannot be undone.'}
      confirmLabel="Delete calendar" onClose=${close} onConfirm=${() => removeCalendar(dialog.calendar)} />`}
  </div>`;
}

function PolicyCard({ policy: p, admin, busy, onEdit, onDefault, onDelete }) {
  const t = p.targets;
  return html`<article class=${p.is_default ? 'card sd-policy sd-policy-default' : 'card sd-policy'} data-policy-id=${p.id}
      data-default=${p.is_default ? 'true' : 'false'}>
    <div class="sd-queue-head">
      <div class="sd-queue-title">
        <h3>${p.name}</h3>
        ${p.is_default && html`<span class="badge badge-on sd-default-badge" title="Used for clients without a policy of their own">Default</span>`}
      </div>
      ${admin && html`<div class="row-actions">
        ${!p.is_default && html`<button type="button" class="btn btn-sm btn-ghost" data-action="make-default" disabled=${busy}
          onClick=${onDefault}>${busy && html`<${Spinner} />`}Make default</button>`}
        <button type="button" class="icon-btn icon-btn-sm" data-action="edit-policy" aria-label=${`Edit ${p.name}`} title="Edit"
          onClick=${onEdit}><${Icon} name="edit" size=${14} /></button>
        ${!p.is_default && html`<button type="button" class="icon-btn icon-btn-sm sd-danger-icon" data-action="delete-policy"
          aria-label=${`Delete ${p.name}`} title="Delete" onClick=${onDelete}><${Icon} name="trash" size=${14} /></button>`}
      </div>`}
    </div>
    <table class="mini-table sd-targets">
      <thead><tr><th scope="col">Priority</th><th scope="col" class="num">First response</th><th scope="col" class="num">Resolution</th></tr></thead>
      <tbody>
        ${PRIORITY_KEYS.map((k) => html`<tr key=${k} data-priority=${k}>
          <td><${PriorityBadge} priority=${k.toUpperCase()} /></td>
          <td class="num" data-target="first_response" title=${`${t[k].first_response_minutes} business minutes`}>${targetText(t[k].first_response_minutes)}</td>
          <td class="num" data-target="resolution" title=${`${t[k].resolution_minutes} business minutes`}>${targetText(t[k].resolution_minutes)}</td>
        </tr>`)}
      </tbody>
    </table>
    <p class="sd-footnote">Business time: only the calendar’s hours count; 1 d is 24 of them.</p>
    <dl class="props props-compact sd-policy-props">
      <dt>Counted in</dt><dd>${p.calendar}</dd>
      <dt>Warning at</dt><dd>${t.warning_percent} % of a target</dd>
      <dt>Clients</dt><dd>${p.clients.length ? p.clients.map((c) => c.name).join(', ')
        : p.is_default ? html`<span class="muted">Every client without its own</span>` : html`<span class="muted">None yet</span>`}</dd>
    </dl>
  </article>`;
}

/** Minutes as a number and unit for the editor: whole hours as hours, the rest as minutes. */
const targetDraft = (minutes) => (minutes >= 60 && minutes % 60 === 0
  ? { value: String(minutes / 60), unit: 'h' } : { value: String(minutes), unit: 'min' });
/** The minutes a draft stands for; 0 for nothing sensible (the server then names the field). */
function draftMinutes(d) {
  const v = Number(String(d.value).replace(',', '.'));
  if (!Number.isFinite(v) || v <= 0) return 0;
  return Math.round(d.unit === 'h' ? v * 60 : v);
}

const POLICY_DEFAULTS = { p1: [30, 240], p2: [60, 480], p3: [240, 1440], p4: [480, 2400] };
const isPolicyField = (f) => ['name', 'calendar_id', 'targets', 'targets.warning_percent'].includes(f)
  || /^targets\.p[1-4]\.(first_response|resolution)_minutes$/.test(f);

function PolicyDialog({ policy, calendars, defaultCalendarId, onClose, onSaved }) {
  const [name, setName] = useState(policy ? policy.name : '');
  // A new policy starts in the default policy's calendar, the one most tickets count in.
  const [calendarId, setCalendarId] = useState(() => {
    if (policy) return String(policy.calendar_id);
    const start = calendars.find((k) => k.id === defaultCalendarId) || calendars[0];
    return start ? String(start.id) : '';
  });
  const [isDefault, setIsDefault] = useState(policy ? policy.is_default : false);
  const [warning, setWarning] = useState(String(policy ? policy.targets.warning_percent : 75));
  const [targets, setTargets] = useState(() => Object.fromEntries(PRIORITY_KEYS.map((k) => {
    const [fr, res] = policy ? [policy.targets[k].first_response_minutes, policy.targets[k].resolution_minutes] : POLICY_DEFAULTS[k];
    return [k, { first_response: targetDraft(fr), resolution: targetDraft(res) }];
  })));
  const save = useForm({ fields: isPolicyField });
  const { errors, err } = save;
  const setTarget = (k, which, part, v) => {
    setTargets((t) => ({ ...t, [k]: { ...t[k], [which]: { ...t[k][which], [part]: v } } }));
    save.clear();
  };

  const submit = save.onSubmit({
    check: () => {
      if (!name.trim()) return { name: 'Enter the policy’s name, e.g. “Gold”.' };
      if (!calendarId) return { calendar_id: 'Choose the calendar its time counts in.' };
      return {};
    },
    send: async () => {
      const w = Number(warning);
      const body = {
        name: name.trim(), calendar_id: Number(calendarId), is_default: isDefault,
        targets: {
          ...Object.fromEntries(PRIORITY_KEYS.map((k) => [k, {
            first_response_minutes: draftMinutes(targets[k].first_response), resolution_minutes: draftMinutes(targets[k].resolution),
          }])),
          warning_percent: Number.isInteger(w) && w >= 0 && w <= 255 ? w : 0,
        },
      };
      const saved = policy ? await api.put(path`/api/v1/sla/policies/${policy.id}`, body) : await api.post('/api/v1/sla/policies', body);
      onSaved(saved, !policy);
    },
  });

  const targetInput = (k, which, label) => {
    const d = targets[k][which];
    const field = `targets.${k}.${which}_minutes`;
    const id = `policy-${k}-${which.replace('_', '-')}`;
    const minutes = draftMinutes(d);
    return html`<td>
      <div class="sd-target-input">
        <input id=${id} class="input input-sm" type="number" min="0" step="any" inputmode="decimal" value=${d.value}
          aria-label=${`${k.toUpperCase()} ${label}`} aria-invalid=${err(field) ? 'true' : 'false'}
          onInput=${(e) => setTarget(k, which, 'value', e.target.value)} />
        <select class="input input-sm sd-unit" value=${d.unit} aria-label=${`${k.toUpperCase()} ${label} unit`}
          onChange=${(e) => setTarget(k, which, 'unit', e.target.value)}>
          <option value="min">min</option>
          <option value="h">hours</option>
        </select>
      </div>
      ${err(field) ? html`<p class="field-error" role="alert" data-error-for=${field}>${err(field)}</p>`
        : html`<p class="sd-target-words muted">${minutes ? `= ${targetText(minutes)}` : ''}</p>`}
    </td>`;
  };
  return html`<${Dialog} id="policy-dialog" title=${policy ? `Edit the SLA policy “${policy.name}”` : 'Add an SLA policy'} onClose=${onClose} wide>
    <form class="dialog-form" onSubmit=${submit} novalidate>
      <div class="dialog-body">
        <div class="form-grid">
          <${Field} label="Name" id="policy-name" error=${err('name')}>
            <input id="policy-name" class="input" autofocus maxlength="100" value=${name} placeholder="Gold"
              aria-invalid=${err('name') ? 'true' : 'false'} onInput=${(e) => { setName(e.target.value); save.clear(); }} />
          <//>
          <${Field} label="Counted in" id="policy-calendar" error=${err('calendar_id')}>
            <select id="policy-calendar" class="input" value=${calendarId} aria-invalid=${err('calendar_id') ? 'true' : 'false'}
                onChange=${(e) => setCalendarId(e.target.value)}>
              ${!calendars.length && html`<option value="">No calendars: add one first</option>`}
              ${calendars.map((k) => html`<option key=${k.id} value=${String(k.id)}>${k.name} · ${weekWords(k)}</option>`)}
            </select>
          <//>
        </div>
        <div class="field">
          <span class="field-label">Targets, in business time</span>
          <table class="mini-table sd-target-table" id="policy-targets">
            <thead><tr><th scope="col">Priority</th><th scope="col">First response within</th><th scope="col">Resolved within</th></tr></thead>
            <tbody>
              ${PRIORITY_KEYS.map((k) => html`<tr key=${k} data-priority=${k}>
                <td><${PriorityBadge} priority=${k.toUpperCase()} /></td>
                ${targetInput(k, 'first_response', 'first response')}
                ${targetInput(k, 'resolution', 'resolution')}
              </tr>`)}
            </tbody>
          </table>
          ${err('targets') && html`<p class="field-error" role="alert">${err('targets')}</p>`}
          <p class="field-hint">Only the calendar’s hours count: on a 9-to-5 calendar, “1 d” is 24 working hours, about three working days.</p>
        </div>
        <${Field} label="Warn at" id="policy-warning" error=${err('targets.warning_percent')}
            hint="The assignee (and the queue’s escalation contact) hear of a ticket when this share of a target is used.">
          <div class="input-unit sd-narrow">
            <input id="policy-warning" class="input" type="number" min="1" max="99" step="1" value=${warning}
              aria-invalid=${err('targets.warning_percent') ? 'true' : 'false'} onInput=${(e) => { setWarning(e.target.value); save.clear(); }} />
            <span class="muted">% of a target</span>
          </div>
        <//>
        <label class="check sd-check">
          <input type="checkbox" id="policy-default" checked=${isDefault} disabled=${policy && policy.is_default}
            onChange=${(e) => setIsDefault(e.target.checked)} />
          ${policy && policy.is_default ? 'The default policy (make another the default to change that)' : 'Make this the default, for clients without their own'}
        </label>
        ${policy && html`<p class="field-hint">Saving recounts the due times of this policy’s running tickets.</p>`}
        <${FormError} id="policy-error" message=${errors.form} />
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose}>Cancel</button>
        <${SubmitButton} id="policy-submit" busy=${save.busy} label=${policy ? 'Save policy' : 'Add policy'} busyLabel="Saving…" />
      </div>
    </form>
  <//>`;
}
