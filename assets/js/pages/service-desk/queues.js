// Owns: the service desk's first tab, "Queues & schedules": each queue with its assignment method
// in words, escalation contact, members (on shift now, open tickets) and open / unassigned counts
// linking to the ticket list; the add / edit dialog with the members picked from the technicians;
// delete with a confirmation that names the routing rules going with it. Below, the technicians
// and their shifts (technicians.js).
import { html, useState, useEffect } from '../../html.js';
import { api, path } from '../../api.js';
import { useList } from '../../hooks.js';
import { useLiveRefresh } from '../../live.js';
import { usePageShortcut } from '../../shortcuts.js';
import { Icon } from '../../components/icons.js';
import { Dialog, ConfirmDialog } from '../../components/dialog.js';
import { Field, Empty, LoadError, SubmitButton, Spinner } from '../../components/ui.js';
import { useForm, FormError } from '../../components/form.js';
import { notify } from '../../components/toast.js';
import { forgetOptions, personName } from '../../components/ticket-parts.js';
import { plural } from '../../format.js';
import { ShiftDot, TechnicianTable, ScheduleDialog } from './technicians.js';

const ASSIGNMENTS = [
  ['round_robin', 'Round-robin', 'In turn, among the members on shift.'],
  ['least_loaded', 'Least-loaded', 'To the member on shift with the fewest open tickets.'],
  ['manual', 'Manual', 'Nobody automatically: tickets wait in the queue, unassigned, for someone to take them.'],
];
export const assignmentShort = (a) => (ASSIGNMENTS.find(([k]) => k === a) || [a, a])[1];
export const assignmentLong = (a) => (ASSIGNMENTS.find(([k]) => k === a) || [a, a, a])[2];

export function QueuesTab({ user, admin }) {
  const queues = useList('/api/v1/queues');
  const techs = useList('/api/v1/technicians');
  const rules = useList('/api/v1/routing-rules');
  const [dialog, setDialog] = useState(null); // {kind: 'add'|'edit'|'delete', queue} | {kind: 'schedule', tech}
  usePageShortcut('n', () => admin && setDialog({ kind: 'add' }));
  // Open counts move as tickets come and go; who is on shift moves with the clock.
  useLiveRefresh((e) => e.type === 'ticket_changed', () => { queues.refresh(); techs.refresh(); }, 3000);
  useEffect(() => {
    const t = setInterval(() => { if (!document.hidden) { queues.refresh(); techs.refresh(); } }, 60e3);
    return () => clearInterval(t);
  }, []);
  const close = () => setDialog(null);
  const changed = () => { forgetOptions(); queues.reload(); techs.reload(); rules.reload(); };

  const remove = async (q) => {
    await api.del(path`/api/v1/queues/${q.id}`);
    notify.ok(`Queue “${q.name}” deleted.`);
    changed();
  };
  const rulesTo = (q) => rules.items.filter((r) => r.queue_id === q.id);

  return html`<div id="sd-queues">
    <div class="section-head sd-first-head">
      <div>
        <h2>Queues</h2>
        <p class="section-sub">Teams that tickets are routed to. Each hands its tickets out to its members who are on shift.</p>
      </div>
      ${admin && html`<button type="button" class="btn btn-primary" id="add-queue" title="Add queue (n)"
          onClick=${() => setDialog({ kind: 'add' })}><${Icon} name="plus" />Add queue</button>`}
    </div>
    ${queues.error && html`<${LoadError} message=${queues.error} onRetry=${queues.reload} />`}
    ${queues.loading && !queues.items.length ? html`<p class="loading"><${Spinner} /> Loading queues…</p>`
      : !queues.items.length && !queues.error ? html`<div class="card"><${Empty} icon="list" title="No queues yet.">
          Without queues, routing rules can only name a technician, and tickets no rule matches wait unassigned.
          ${admin ? ' Add one with “Add queue” or press n.' : ''}<//></div>`
      : html`<div class="sd-queue-grid" id="queue-list">
          ${queues.items.map((q) => html`<${QueueCard} key=${q.id} queue=${q} admin=${admin}
            onEdit=${() => setDialog({ kind: 'edit', queue: q })} onDelete=${() => setDialog({ kind: 'delete', queue: q })} />`)}
        </div>`}

    <div class="section-head">
      <div>
        <h2>Technicians and their shifts</h2>
        <p class="section-sub">Routing assigns tickets only to people on shift. Someone without a schedule is always on shift.
          Times are in each schedule’s own time zone; the mark shows now.</p>
      </div>
    </div>
    ${techs.error && html`<${LoadError} message=${techs.error} onRetry=${techs.reload} />`}
    <${TechnicianTable} techs=${techs} queues=${queues.items} user=${user} admin=${admin}
      onEdit=${(t) => setDialog({ kind: 'schedule', tech: t })} />

    ${dialog && (dialog.kind === 'add' || dialog.kind === 'edit') && html`<${QueueDialog}
      queue=${dialog.kind === 'edit' ? dialog.queue : null} technicians=${techs.items} onClose=${close}
      onSaved=${(q, isNew) => { close(); notify.ok(isNew ? `Queue “${q.name}” added.` : `Queue “${q.name}” saved.`); changed(); }} />`}
    ${dialog && dialog.kind === 'delete' && html`<${ConfirmDialog} title=${`Delete the queue “${dialog.queue.name}”?`}
      message=${`${dialog.queue.open_tickets
        ? `Its ${plural(dialog.queue.open_tickets, 'open ticket')} stay, in no queue.`
        : 'It has no open tickets.'}${rulesTo(dialog.queue).length
        ? ` The ${plural(rulesTo(dialog.queue).length, 'routing rule')} sending tickets to it (${rulesTo(dialog.queue).map((r) => `“${r.name}”`).join(', ')}) are deleted with it.`
        : ''} This cannot be undone.`}
      confirmLabel="Delete queue" onClose=${close} onConfirm=${() => remove(dialog.queue)} />`}
    ${dialog && dialog.kind === 'schedule' && html`<${ScheduleDialog} tech=${dialog.tech} self=${dialog.tech.id === user.id}
      onClose=${close} onSaved=${(words) => { close(); notify.ok(words); changed(); }} />`}
  </div>`;
}

function QueueCard({ queue: q, admin, onEdit, onDelete }) {
  const onShift = q.members.filter((m) => m.on_shift).length;
  return html`<article class="card sd-queue" data-queue-id=${q.id} data-assignment=${q.assignment}>
    <div class="sd-queue-head">
      <div class="sd-queue-title">
        <h3>${q.name}</h3>
        <span class="sd-method" title=${assignmentLong(q.assignment)}>${assignmentShort(q.assignment)}</span>
      </div>
      ${admin && html`<div class="row-actions">
        <button type="button" class="icon-btn icon-btn-sm" data-action="edit-queue" aria-label=${`Edit ${q.name}`} title="Edit"
          onClick=${onEdit}><${Icon} name="edit" size=${14} /></button>
        <button type="button" class="icon-btn icon-btn-sm sd-danger-icon" data-action="delete-queue" aria-label=${`Delete ${q.name}`}
          title="Delete" onClick=${onDelete}><${Icon} name="trash" size=${14} /></button>
      </div>`}
    </div>
    <p class="sd-queue-method">${assignmentLong(q.assignment)}</p>
    <div class="sd-queue-counts">
      <a href=${`#/tickets?view=open&queue_id=${encodeURIComponent(q.id)}`} data-count="open" title="Open tickets in this queue">
        <strong class="tabular">${q.open_tickets}</strong> open</a>
      <a href=${`#/tickets?view=unassigned&queue_id=${encodeURIComponent(q.id)}`} data-count="unassigned"
        class=${q.unassigned_tickets ? 'sd-unassigned' : ''} title="Open tickets in this queue nobody has taken">
        <strong class="tabular">${q.unassigned_tickets}</strong> unassigned</a>
    </div>
    <div class="sd-queue-members">
      <div class="sd-label">Members${q.members.length ? html` <span class="muted">· ${onShift} of ${q.members.length} on shift</span>` : ''}</div>
      ${q.members.length ? html`<ul class="sd-members">
          ${q.members.map((m) => html`<li key=${m.id} data-member-id=${m.id}>
            <${ShiftDot} on=${m.on_shift} />
            <span class="sd-member-name">${personName(m)}</span>
            <a class="sd-member-load tabular" href=${`#/tickets?view=open&assignee=${encodeURIComponent(m.id)}`}
              title=${`${plural(m.open_tickets, 'open ticket')} assigned to ${personName(m)}`}>${m.open_tickets}</a>
          </li>`)}
        </ul>`
        : html`<p class="muted sd-none">No members: its tickets wait unassigned.</p>`}
    </div>
    <div class="sd-queue-esc">
      <span class="sd-label">Escalation</span>
      ${q.escalation_email ? html`<span class="mono-ish" title="Hears of SLA warnings and breaches of this queue's tickets">${q.escalation_email}</span>`
        : html`<span class="muted">Only the assignee hears of SLA warnings</span>`}
    </div>
  </article>`;
}

const QUEUE_FIELDS = ['name', 'assignment', 'escalation_email', 'member_ids'];

function QueueDialog({ queue, technicians, onClose, onSaved }) {
  const [name, setName] = useState(queue ? queue.name : '');
  const [assignment, setAssignment] = useState(queue ? queue.assignment : 'round_robin');
  const [email, setEmail] = useState(queue ? queue.escalation_email : '');
  const [members, setMembers] = useState(() => new Set(queue ? queue.members.map((m) => m.id) : []));
  const save = useForm({ fields: QUEUE_FIELDS });
  const { errors } = save;
  // A member who is no longer listed (disabled) is not offered; saving drops them.
  const toggle = (id, on) => setMembers((s) => { const n = new Set(s); if (on) n.add(id); else n.delete(id); return n; });

  const submit = save.onSubmit({
    check: () => (name.trim() ? {} : { name: 'Enter the queue’s name, e.g. “Helpdesk”.' }),
    send: async () => {
      const body = { name: name.trim(), assignment, escalation_email: email.trim(), member_ids: [...members] };
      const saved = queue ? await api.put(path`/api/v1/queues/${queue.id}`, body) : await api.post('/api/v1/queues', body);
      onSaved(saved, !queue);
    },
  });
  return html`<${Dialog} id="queue-dialog" title=${queue ? `Edit the queue “${queue.name}”` : 'Add a queue'} onClose=${onClose} wide>
    <form class="dialog-form" onSubmit=${submit} novalidate>
      <div class="dialog-body">
        <${Field} label="Name" id="queue-name" error=${errors.name}>
          <input id="queue-name" class="input" autofocus maxlength="100" value=${name} placeholder="Helpdesk"
            aria-invalid=${errors.name ? 'true' : 'false'} onInput=${(e) => setName(e.target.value)} />
        <//>
        <${Field} label="Hands tickets out" id="queue-assignment" error=${errors.assignment} hint=${assignmentLong(assignment)}>
          <select id="queue-assignment" class="input" value=${assignment} onChange=${(e) => setAssignment(e.target.value)}>
            ${ASSIGNMENTS.map(([k, label]) => html`<option key=${k} value=${k}>${label}</option>`)}
          </select>
        <//>
        <${Field} label="Escalation contact" id="queue-email" optional error=${errors.escalation_email}
            hint="An address that hears of SLA warnings and breaches of this queue’s tickets, besides the assignee.">
          <input id="queue-email" class="input" type="email" maxlength="254" value=${email} placeholder="team-lead@msp.example"
            aria-invalid=${errors.escalation_email ? 'true' : 'false'} onInput=${(e) => setEmail(e.target.value)} />
        <//>
        <div class=${errors.member_ids ? 'field field-invalid' : 'field'}>
          <span class="field-label" id="queue-members-label">Members <span class="optional">${plural(members.size, 'chosen', 'chosen')}</span></span>
          ${technicians.length ? html`<ul class="sd-pick" id="queue-members" role="group" aria-labelledby="queue-members-label">
              ${technicians.map((t) => html`<li key=${t.id}>
                <label class="check sd-pick-row" data-tech-id=${t.id}>
                  <input type="checkbox" checked=${members.has(t.id)} onChange=${(e) => toggle(t.id, e.target.checked)} />
                  <${ShiftDot} on=${t.on_shift} />
                  <span class="sd-pick-name">${personName(t)}</span>
                  <span class="muted sd-pick-meta">${t.on_shift ? 'on shift' : 'off shift'} · ${plural(t.open_tickets, 'open ticket')}</span>
                </label>
              </li>`)}
            </ul>`
            : html`<p class="muted">No technicians yet: add users with the technician role first.</p>`}
          ${errors.member_ids ? html`<p class="field-error" id="queue-members-error" role="alert">${errors.member_ids}</p>`
            : html`<p class="field-hint">Technicians and admins. Only members on shift get tickets.</p>`}
        </div>
        <${FormError} id="queue-error" message=${errors.form} />
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose}>Cancel</button>
        <${SubmitButton} id="queue-submit" busy=${save.busy} label=${queue ? 'Save queue' : 'Add queue'} busyLabel="Saving…" />
      </div>
    </form>
  <//>`;
}
