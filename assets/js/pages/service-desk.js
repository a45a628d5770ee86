// Owns: the service desk set-up (#/service-desk/{queues|routing|sla}, staff read, admins edit):
// - Queues & schedules: each queue with its assignment method in words, escalation contact,
//   members (on shift now, open tickets) and open / unassigned counts linking to the ticket list;
//   the add / edit dialog with the members picked from the technicians, delete with a
//   confirmation. Below, the technicians with their week as a 7-day strip, on shift now, and the
//   schedule editor (time zone, hours per weekday, days off; "Always on shift" clears it). A
//   technician may edit their own schedule.
// - Routing: the rules in the order they are tried, each said in words ("Tickets from Acme, on
//   devices tagged servers → queue Helpdesk (round-robin)"), with up / down buttons that rewrite
//   the positions, the enabled switch, the add / edit dialog and delete.
// - SLA: the policies (the default first) with their P1–P4 targets in business time, calendar,
//   warning share and clients; the policy editor with "make default"; the business calendars with
//   their week and holidays; each client's own policy.
// The server's field errors ({error, detail: {field}}) show next to the fields they name.
import { html, useState, useEffect, useMemo, useRef } from '../html.js';
import { api, path } from '../api.js';
import { useList, useTitle } from '../hooks.js';
import { useLiveRefresh } from '../live.js';
import { usePageShortcut } from '../shortcuts.js';
import { Icon } from '../components/icons.js';
import { Dialog, ConfirmDialog } from '../components/dialog.js';
import { LoadMore } from '../components/table.js';
import { Field, Empty, LoadError, PageHead, SubmitButton, Spinner, RoleBadge } from '../components/ui.js';
import { notify } from '../components/toast.js';
import { forgetOptions, PriorityBadge } from '../components/ticket-parts.js';
import { plural, duration, zoneLabel } from '../format.js';
import { timeZones } from './client.js';

export const SERVICE_DESK_TABS = ['queues', 'routing', 'sla'];
const TAB_LABELS = { queues: 'Queues & schedules', routing: 'Routing', sla: 'SLA' };

const isAdminUser = (user) => user.role === 'admin';
const isStaffUser = (user) => user.role === 'admin' || user.role === 'technician';
const personName = (p) => (p && (p.name || p.login)) || '';

// ---------- words ----------

const ASSIGNMENTS = [
  ['round_robin', 'Round-robin', 'In turn, among the members on shift.'],
  ['least_loaded', 'Least-loaded', 'To the member on shift with the fewest open tickets.'],
  ['manual', 'Manual', 'Nobody automatically: tickets wait in the queue, unassigned, for someone to take them.'],
];
const assignmentShort = (a) => (ASSIGNMENTS.find(([k]) => k === a) || [a, a])[1];
const assignmentLong = (a) => (ASSIGNMENTS.find(([k]) => k === a) || [a, a, a])[2];

const SOURCES = [
  ['', 'Any source'],
  ['alert', 'Alert'],
  ['manual', 'Opened by staff'],
  ['api', 'API'],
  ['portal', 'Client portal'],
];
const SOURCE_WORDS = { alert: 'alert', manual: 'staff', api: 'API', portal: 'portal' };

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const DAY_NAMES = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };
const DAY_SHORT = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };
const DAY_LETTER = { mon: 'M', tue: 'T', wed: 'W', thu: 'T', fri: 'F', sat: 'S', sun: 'S' };
const PRIORITY_KEYS = ['p1', 'p2', 'p3', 'p4'];

/** "08:00" as minutes of the day (up to 1440 for "24:00"), or null. */
function clockMinutes(text) {
  const m = /^(\d{2}):(\d{2})$/.exec(String(text || '').trim());
  if (!m) return null;
  const v = Number(m[1]) * 60 + Number(m[2]);
  return Number(m[2]) < 60 && v <= 1440 ? v : null;
}

/** What was typed in a time field, tidied: "9" and "9:30" become "09:00" and "09:30". */
function tidyClock(text) {
  const v = String(text || '').trim().replace('.', ':');
  if (/^\d{1,2}$/.test(v)) return `${v.padStart(2, '0')}:00`;
  if (/^\d:\d{2}$/.test(v)) return `0${v}`;
  return v;
}

/** A target in business minutes for people: "30 min", "4 h", "1 d 2 h" (a day: 24 business hours). */
export const targetText = (minutes) => duration((Number(minutes) || 0) * 60);

const intervalsText = (ivs) => (ivs && ivs.length ? ivs.map((i) => `${i.start}–${i.end}`).join(', ') : 'off');

/**
 * A week in words, runs of equal days together: "Mon–Fri 08:00–17:00 · Sat–Sun off (Europe/Berlin)";
 * `null`: always on shift.
 */
export function weekWords(spec, always = 'Always on shift') {
  if (!spec) return always;
  const hours = spec.hours || {};
  const texts = DAYS.map((d) => intervalsText(hours[d]));
  if (texts.every((t) => t === '00:00–24:00')) return `Round the clock (${zoneLabel(spec.timezone)})`;
  const runs = [];
  DAYS.forEach((d, i) => {
    const last = runs[runs.length - 1];
    if (last && last.text === texts[i]) last.to = d;
    else runs.push({ from: d, to: d, text: texts[i] });
  });
  const said = runs.map((r) => `${r.from === r.to ? DAY_SHORT[r.from] : `${DAY_SHORT[r.from]}–${DAY_SHORT[r.to]}`} ${r.text}`);
  return `${said.join(' · ')} (${zoneLabel(spec.timezone)})`;
}

/** The weekday ('mon'…) and minute of the day now on the wall clock of `zone`, or null. */
function zoneNow(zone, now = Date.now()) {
  try {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: zone || 'UTC', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).formatToParts(now);
    const get = (t) => (parts.find((p) => p.type === t) || {}).value || '';
    const day = get('weekday').slice(0, 3).toLowerCase();
    if (!DAYS.includes(day)) return null;
    return { day, minute: (Number(get('hour')) % 24) * 60 + Number(get('minute')) };
  } catch {
    return null;
  }
}

// ---------- shared pieces ----------

/**
 * A week as seven small bars, the working hours shaded, with a mark at the current time in the
 * week's own zone. `spec` null: round the clock (a technician without a schedule).
 */
function WeekStrip({ spec, large = false, id }) {
  const now = zoneNow(spec ? spec.timezone : 'UTC');
  const words = weekWords(spec);
  const full = [{ start: '00:00', end: '24:00' }];
  return html`<div class=${large ? 'sd-week sd-week-lg' : 'sd-week'} id=${id} role="img" aria-label=${words} title=${words}
      data-always=${spec ? 'false' : 'true'}>
    ${DAYS.map((d) => {
      const ivs = spec ? (spec.hours && spec.hours[d]) || [] : full;
      return html`<div key=${d} class="sd-day" data-day=${d} data-hours=${intervalsText(ivs)}>
        <span class="sd-day-bar">
          ${ivs.map((iv, i) => {
            const s = clockMinutes(iv.start);
            const e = clockMinutes(iv.end);
            if (s == null || e == null || e <= s) return null;
            return html`<span key=${i} class="sd-day-on" style=${`left:${(s / 1440) * 100}%;width:${((e - s) / 1440) * 100}%`}></span>`;
          })}
          ${now && now.day === d && html`<span class="sd-day-now" style=${`left:${(now.minute / 1440) * 100}%`}></span>`}
        </span>
        <span class="sd-day-label">${large ? DAY_SHORT[d] : DAY_LETTER[d]}</span>
      </div>`;
    })}
  </div>`;
}

function ShiftDot({ on }) {
  return html`<span class=${on ? 'dot dot-on' : 'dot dot-off'} data-on-shift=${on ? 'true' : 'false'}
    title=${on ? 'On shift now' : 'Off shift now'}></span>`;
}

/**
 * The field errors of a failed save: `{ [field]: sentence }` for a field the form shows (`shown`
 * says which), else `{ form: sentence }`.
 */
function errorsOf(er, shown) {
  const field = er && er.detail && er.detail.field;
  return field && shown(field) ? { [field]: er.message } : { form: er.message };
}

function FormError({ id, message }) {
  return message ? html`<p class="form-error" id=${id} role="alert"><${Icon} name="alert" />${message}</p>` : null;
}

/** A whole short list (queues, rules, …): { items, loading, error, reload, refresh }. */
const useAll = (p) => useList(p);

// ---------- the page ----------

export function ServiceDeskPage({ user, tab }) {
  const current = SERVICE_DESK_TABS.includes(tab) ? tab : SERVICE_DESK_TABS[0];
  useTitle(TAB_LABELS[current], 'Service desk');
  if (!isStaffUser(user)) {
    return html`<section class="page"><${Empty} icon="shield" title="The service desk set-up is for the MSP's staff." /></section>`;
  }
  const admin = isAdminUser(user);
  return html`<section class="page" id="service-desk-page" data-tab=${current}>
    <${PageHead} title="Service desk"
      sub=${admin ? 'Where new tickets go, who works when, and the SLAs they are held to.'
        : 'Where new tickets go, who works when, and the SLAs they are held to. Only admins change these; you can set your own schedule.'} />
    <nav class="tabs tabs-tight" aria-label="Service desk" id="sd-tabs">
      ${SERVICE_DESK_TABS.map((t) => html`<a key=${t} id=${`sd-tab-${t}`} data-tab=${t} href=${`#/service-desk/${t}`}
          class=${t === current ? 'tab active' : 'tab'} aria-current=${t === current ? 'page' : undefined}>${TAB_LABELS[t]}</a>`)}
    </nav>
    ${current === 'queues' && html`<${QueuesTab} user=${user} admin=${admin} />`}
    ${current === 'routing' && html`<${RoutingTab} admin=${admin} />`}
    ${current === 'sla' && html`<${SlaTab} admin=${admin} />`}
  </section>`;
}

// ---------- queues and schedules ----------

function QueuesTab({ user, admin }) {
  const queues = useAll('/api/v1/queues');
  const techs = useAll('/api/v1/technicians');
  const rules = useAll('/api/v1/routing-rules');
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

function TechnicianTable({ techs, queues, user, admin, onEdit }) {
  const queueNames = new Map(queues.map((q) => [q.id, q.name]));
  if (techs.loading && !techs.items.length) return html`<p class="loading"><${Spinner} /> Loading technicians…</p>`;
  if (!techs.items.length) return null;
  return html`<div class="table-card">
    <table class="table sd-tech-table" id="technician-table" aria-label="Technicians and their shifts">
      <thead><tr>
        <th scope="col">Technician</th>
        <th scope="col" width="110">Now</th>
        <th scope="col" width="230">Week</th>
        <th scope="col" class="col-minor">Hours</th>
        <th scope="col" class="num" width="70">Open</th>
        <th scope="col" class="col-minor">Queues</th>
        <th scope="col" class="actions" width="150"><span class="sr-only">Actions</span></th>
      </tr></thead>
      <tbody>
        ${techs.items.map((t) => {
          const mine = t.id === user.id;
          const may = admin || mine;
          const off = t.schedule && (t.schedule.holidays || []).length;
          return html`<tr key=${t.id} data-tech-id=${t.id} data-on-shift=${t.on_shift ? 'true' : 'false'}>
            <td><span class="strong">${personName(t)}</span>${mine && html` <span class="muted">(you)</span>`}
              <span class="cell-sub"><${RoleBadge} role=${t.role} /></span></td>
            <td><span class="sd-now"><${ShiftDot} on=${t.on_shift} />${t.on_shift ? 'On shift' : 'Off shift'}</span></td>
            <td><${WeekStrip} spec=${t.schedule} /></td>
            <td class="col-minor"><span class="sd-hours-words">${weekWords(t.schedule)}</span>
              ${off ? html`<span class="cell-sub">${plural(off, 'day')} off listed</span>` : ''}</td>
            <td class="num"><a href=${`#/tickets?view=open&assignee=${encodeURIComponent(t.id)}`} title="Open tickets assigned">${t.open_tickets}</a></td>
            <td class="col-minor">${t.queue_ids.length
              ? html`<span class="tag-list">${t.queue_ids.map((id) => html`<span key=${id} class="chip">${queueNames.get(id) || `Queue ${id}`}</span>`)}</span>`
              : html`<span class="muted">—</span>`}</td>
            <td class="actions">${may && html`<button type="button" class="btn btn-sm btn-ghost" data-action="edit-schedule"
                aria-label=${`Edit the schedule of ${personName(t)}`} onClick=${() => onEdit(t)}>
                <${Icon} name="clock" /><span class="btn-label">${mine ? 'My schedule' : 'Schedule'}</span></button>`}</td>
          </tr>`;
        })}
      </tbody>
    </table>
  </div>`;
}

const QUEUE_FIELDS = ['name', 'assignment', 'escalation_email', 'member_ids'];

function QueueDialog({ queue, technicians, onClose, onSaved }) {
  const [name, setName] = useState(queue ? queue.name : '');
  const [assignment, setAssignment] = useState(queue ? queue.assignment : 'round_robin');
  const [email, setEmail] = useState(queue ? queue.escalation_email : '');
  const [members, setMembers] = useState(() => new Set(queue ? queue.members.map((m) => m.id) : []));
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  // A member who is no longer listed (disabled) is not offered; saving drops them.
  const toggle = (id, on) => setMembers((s) => { const n = new Set(s); if (on) n.add(id); else n.delete(id); return n; });

  const submit = async (e) => {
    e.preventDefault();
    if (!name.trim()) { setErrors({ name: 'Enter the queue’s name, e.g. “Helpdesk”.' }); return; }
    setBusy(true);
    setErrors({});
    const body = { name: name.trim(), assignment, escalation_email: email.trim(), member_ids: [...members] };
    try {
      const saved = queue ? await api.put(path`/api/v1/queues/${queue.id}`, body) : await api.post('/api/v1/queues', body);
      onSaved(saved, !queue);
    } catch (er) {
      setBusy(false);
      setErrors(errorsOf(er, (f) => QUEUE_FIELDS.includes(f)));
    }
  };
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
        <${SubmitButton} id="queue-submit" busy=${busy} label=${queue ? 'Save queue' : 'Add queue'} busyLabel="Saving…" />
      </div>
    </form>
  <//>`;
}

// ---------- the hours editor (schedules and calendars) ----------

const blankWeek = () => Object.fromEntries(DAYS.map((d) => [d, []]));
const officeWeek = () => Object.fromEntries(DAYS.map((d) => [d, d === 'sat' || d === 'sun' ? [] : [{ start: '08:00', end: '17:00' }]]));
const roundTheClock = () => Object.fromEntries(DAYS.map((d) => [d, [{ start: '00:00', end: '24:00' }]]));
const browserZone = () => { try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { return 'UTC'; } };

/** A draft from a stored spec (or a new office week in `zone`). */
function draftOf(spec, zone) {
  if (!spec) return { timezone: zone, hours: officeWeek(), holidays: [] };
  const hours = blankWeek();
  for (const d of DAYS) hours[d] = ((spec.hours && spec.hours[d]) || []).map((i) => ({ start: i.start, end: i.end }));
  return { timezone: spec.timezone, hours, holidays: (spec.holidays || []).map((h) => ({ date: h.date, name: h.name || '' })) };
}

/** The API body of a draft: every interval as typed (the server names a wrong one by its index). */
const specOf = (d) => ({
  timezone: d.timezone.trim(),
  hours: Object.fromEntries(DAYS.map((day) => [day, d.hours[day].map((i) => ({ start: i.start.trim(), end: i.end.trim() }))])),
  holidays: d.holidays.map((h) => ({ date: h.date, name: h.name.trim() })),
});

const isHoursField = (f) => f === 'timezone' || f === 'hours' || /^hours\.(mon|tue|wed|thu|fri|sat|sun)(\[\d+\]\.(start|end))?$/.test(f)
  || /^holidays\[\d+\]\.date$/.test(f);

/**
 * The time zone, the hours of each weekday (intervals added and removed; Monday copied to the
 * other weekdays), and the dates off, with a preview strip. `err(field)` gives a server error.
 */
function HoursEditor({ draft, setDraft, err, idPrefix, daysOffLabel, daysOffHint }) {
  const zones = useMemo(timeZones, []);
  const setHours = (day, fn) => setDraft((d) => ({ ...d, hours: { ...d.hours, [day]: fn(d.hours[day]) } }));
  const setInterval_ = (day, i, key, value) => setHours(day, (ivs) => ivs.map((iv, k) => (k === i ? { ...iv, [key]: value } : iv)));
  const addInterval = (day) => setHours(day, (ivs) => [...ivs, ivs.length ? { start: '13:00', end: '17:00' } : { start: '08:00', end: '17:00' }]);
  const removeInterval = (day, i) => setHours(day, (ivs) => ivs.filter((_, k) => k !== i));
  const copyMonday = () => setDraft((d) => ({
    ...d, hours: { ...d.hours, ...Object.fromEntries(['tue', 'wed', 'thu', 'fri'].map((day) => [day, d.hours.mon.map((iv) => ({ ...iv }))])) },
  }));
  const preset = (hours) => setDraft((d) => ({ ...d, hours }));
  const setHoliday = (i, key, value) => setDraft((d) => ({ ...d, holidays: d.holidays.map((h, k) => (k === i ? { ...h, [key]: value } : h)) }));
  const addHoliday = () => setDraft((d) => ({ ...d, holidays: [...d.holidays, { date: '', name: '' }] }));
  const removeHoliday = (i) => setDraft((d) => ({ ...d, holidays: d.holidays.filter((_, k) => k !== i) }));
  const zoneId = `${idPrefix}-timezone`;
  return html`<div class="sd-hours">
    <${Field} label="Time zone" id=${zoneId} error=${err('timezone')} hint="The hours below are read on this zone’s clocks, summer time included.">
      <input id=${zoneId} class="input" list=${`${zoneId}-list`} value=${draft.timezone} placeholder="Europe/Berlin" autocomplete="off"
        spellcheck="false" aria-invalid=${err('timezone') ? 'true' : 'false'}
        onInput=${(e) => setDraft((d) => ({ ...d, timezone: e.target.value }))} />
      <datalist id=${`${zoneId}-list`}>${zones.map((z) => html`<option key=${z} value=${z} />`)}</datalist>
    <//>
    <div class="sd-hours-head">
      <span class="field-label">Hours each weekday</span>
      <span class="sd-hours-tools">
        <button type="button" class="btn btn-sm btn-ghost" id=${`${idPrefix}-copy-monday`} onClick=${copyMonday}
          title="Give Tuesday to Friday Monday’s hours">Copy Monday to weekdays</button>
        <button type="button" class="btn btn-sm btn-ghost" id=${`${idPrefix}-office`} onClick=${() => preset(officeWeek())}>Mon–Fri 08–17</button>
        <button type="button" class="btn btn-sm btn-ghost" id=${`${idPrefix}-24x7`} onClick=${() => preset(roundTheClock())}>24/7</button>
      </span>
    </div>
    <table class="sd-hours-table" id=${`${idPrefix}-hours`}>
      <tbody>
        ${DAYS.map((day) => {
          const ivs = draft.hours[day];
          const dayErr = err(`hours.${day}`);
          const ivErr = ivs.map((_, i) => err(`hours.${day}[${i}].start`) || err(`hours.${day}[${i}].end`)).find(Boolean);
          return html`<tr key=${day} data-day=${day}>
            <th scope="row">${DAY_NAMES[day]}</th>
            <td>
              <div class="sd-intervals">
                ${ivs.length === 0 && html`<span class="muted sd-off">Off</span>`}
                ${ivs.map((iv, i) => html`<span key=${i} class="sd-interval" data-index=${i}>
                  <input class="input input-sm sd-time" inputmode="numeric" maxlength="5" value=${iv.start} placeholder="08:00"
                    aria-label=${`${DAY_NAMES[day]}, interval ${i + 1}, from`} data-part="start"
                    aria-invalid=${err(`hours.${day}[${i}].start`) ? 'true' : 'false'}
                    onInput=${(e) => setInterval_(day, i, 'start', e.target.value)}
                    onBlur=${(e) => tidyClock(e.target.value) !== e.target.value && setInterval_(day, i, 'start', tidyClock(e.target.value))} />
                  <span class="muted">–</span>
                  <input class="input input-sm sd-time" inputmode="numeric" maxlength="5" value=${iv.end} placeholder="17:00"
                    aria-label=${`${DAY_NAMES[day]}, interval ${i + 1}, until`} data-part="end"
                    aria-invalid=${err(`hours.${day}[${i}].end`) ? 'true' : 'false'}
                    onInput=${(e) => setInterval_(day, i, 'end', e.target.value)}
                    onBlur=${(e) => tidyClock(e.target.value) !== e.target.value && setInterval_(day, i, 'end', tidyClock(e.target.value))} />
                  <button type="button" class="icon-btn icon-btn-sm" aria-label=${`Remove ${DAY_NAMES[day]} ${iv.start}–${iv.end}`}
                    title="Remove these hours" data-action="remove-interval" onClick=${() => removeInterval(day, i)}><${Icon} name="x" size=${13} /></button>
                </span>`)}
                <button type="button" class="btn btn-sm btn-ghost sd-add-interval" data-action="add-interval"
                  aria-label=${`Add hours on ${DAY_NAMES[day]}`} onClick=${() => addInterval(day)}><${Icon} name="plus" size=${13} />Hours</button>
              </div>
              ${(dayErr || ivErr) && html`<p class="field-error" role="alert" data-error-day=${day}>${dayErr || ivErr}</p>`}
            </td>
          </tr>`;
        })}
      </tbody>
    </table>
    ${err('hours') && html`<p class="field-error" role="alert" id=${`${idPrefix}-hours-error`}>${err('hours')}</p>`}
    <p class="field-hint">Times as HH:MM, 24-hour; “24:00” ends at midnight. An interval may not cross midnight: split it over two days.</p>
    <div class="sd-preview">
      <${WeekStrip} spec=${specOf(draft)} large id=${`${idPrefix}-preview`} />
    </div>

    <div class="sd-hours-head sd-daysoff-head">
      <span class="field-label">${daysOffLabel}</span>
      <button type="button" class="btn btn-sm btn-ghost" id=${`${idPrefix}-add-day-off`} onClick=${addHoliday}>
        <${Icon} name="plus" size=${13} />Add a date</button>
    </div>
    ${draft.holidays.length === 0 ? html`<p class="muted sd-none">None.</p>`
      : html`<ul class="sd-daysoff" id=${`${idPrefix}-days-off`}>
          ${draft.holidays.map((h, i) => html`<li key=${i}>
            <div class="sd-dayoff-row">
              <input type="date" class="input input-sm sd-date" value=${h.date} aria-label=${`Date ${i + 1}`}
                aria-invalid=${err(`holidays[${i}].date`) ? 'true' : 'false'} onInput=${(e) => setHoliday(i, 'date', e.target.value)} />
              <input class="input input-sm" maxlength="100" value=${h.name} placeholder="Name (optional)" aria-label=${`Name of date ${i + 1}`}
                onInput=${(e) => setHoliday(i, 'name', e.target.value)} />
              <button type="button" class="icon-btn icon-btn-sm" aria-label=${`Remove date ${i + 1}`} title="Remove"
                onClick=${() => removeHoliday(i)}><${Icon} name="x" size=${13} /></button>
            </div>
            ${err(`holidays[${i}].date`) && html`<p class="field-error" role="alert">${err(`holidays[${i}].date`)}</p>`}
          </li>`)}
        </ul>`}
    <p class="field-hint">${daysOffHint}</p>
  </div>`;
}

function ScheduleDialog({ tech, self, onClose, onSaved }) {
  const [draft, setDraft] = useState(() => draftOf(tech.schedule, browserZone()));
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState('');
  const who = self ? 'you' : personName(tech);
  const edit = (fn) => { setDraft(fn); setErrors({}); };
  const err = (f) => errors[f] || '';

  const submit = async (e) => {
    e.preventDefault();
    setBusy('save');
    try {
      await api.put(path`/api/v1/technicians/${tech.id}/schedule`, specOf(draft));
      onSaved(self ? 'Your schedule is saved.' : `${personName(tech)}’s schedule is saved.`);
    } catch (er) {
      setBusy('');
      setErrors(errorsOf(er, isHoursField));
    }
  };
  const always = async () => {
    setBusy('clear');
    try {
      await api.del(path`/api/v1/technicians/${tech.id}/schedule`);
      onSaved(self ? 'You are always on shift now.' : `${personName(tech)} is always on shift now.`);
    } catch (er) {
      setBusy('');
      setErrors({ form: er.message });
    }
  };
  return html`<${Dialog} id="schedule-dialog" title=${self ? 'Your schedule' : `Schedule of ${personName(tech)}`} onClose=${onClose} wide>
    <form class="dialog-form" onSubmit=${submit} novalidate>
      <div class="dialog-body">
        <p class="lead-text">${tech.schedule ? `Routing gives ${who} tickets only within these hours.`
          : `${self ? 'You have' : `${personName(tech)} has`} no schedule: always on shift. Set hours to get tickets only within them.`}</p>
        <${HoursEditor} draft=${draft} setDraft=${edit} err=${err} idPrefix="schedule"
          daysOffLabel="Days off" daysOffHint="Holidays, leave: no tickets are routed to them on these dates." />
        <${FormError} id="schedule-error" message=${errors.form} />
      </div>
      <div class="dialog-foot sd-foot-split">
        ${tech.schedule ? html`<button type="button" class="btn btn-ghost" id="schedule-always" disabled=${!!busy} onClick=${always}
            title="Remove the schedule: routing may assign tickets at any time">
            ${busy === 'clear' && html`<${Spinner} />`}Always on shift</button>` : html`<span></span>`}
        <span class="sd-foot-end">
          <button type="button" class="btn" onClick=${onClose}>Cancel</button>
          <${SubmitButton} id="schedule-submit" busy=${busy === 'save'} label="Save schedule" busyLabel="Saving…" />
        </span>
      </div>
    </form>
  <//>`;
}

// ---------- routing ----------

function RoutingTab({ admin }) {
  const rules = useAll('/api/v1/routing-rules');
  const queues = useAll('/api/v1/queues');
  const techs = useAll('/api/v1/technicians');
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
  const clients = useList('/api/v1/clients', { limit: 500 });
  const tags = useAll('/api/v1/tags');
  const str = (v) => (v == null ? '' : String(v));
  const [f, setF] = useState(() => ({
    name: rule ? rule.name : '', enabled: rule ? rule.enabled : true, client_id: str(rule && rule.client_id),
    category: rule ? rule.category : '', source: rule ? rule.source : '', device_tag: rule ? rule.device_tag : '',
    queue_id: str(rule && rule.queue_id), assignee_id: str(rule && rule.assignee_id),
  }));
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => { const v = e.target.type === 'checkbox' ? e.target.checked : e.target.value; setF((x) => ({ ...x, [k]: v })); setErrors({}); };
  const err = (k) => errors[k] || '';
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

  const submit = async (e) => {
    e.preventDefault();
    const errs = {};
    if (!body.name) errs.name = 'Enter a name, e.g. “Printers to Helpdesk”.';
    if (body.queue_id == null && body.assignee_id == null) errs.queue_id = 'Choose where its tickets go: a queue, a technician, or both.';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      const saved = rule ? await api.put(path`/api/v1/routing-rules/${rule.id}`, body) : await api.post('/api/v1/routing-rules', body);
      onSaved(saved, !rule);
    } catch (er) {
      setBusy(false);
      setErrors(errorsOf(er, (fl) => RULE_FIELDS.includes(fl)));
    }
  };
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
        <${SubmitButton} id="rr-submit" busy=${busy} label=${rule ? 'Save rule' : 'Add rule'} busyLabel="Saving…" />
      </div>
    </form>
  <//>`;
}

// ---------- SLA ----------

function SlaTab({ admin }) {
  const policies = useAll('/api/v1/sla/policies');
  const calendars = useAll('/api/v1/sla/calendars');
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

function CalendarCard({ calendar: k, admin, onEdit, onDelete }) {
  return html`<article class="card sd-calendar" data-calendar-id=${k.id}>
    <div class="sd-queue-head">
      <div class="sd-queue-title"><h3>${k.name}</h3><span class="muted">${zoneLabel(k.timezone)}</span></div>
      ${admin && html`<div class="row-actions">
        <button type="button" class="icon-btn icon-btn-sm" data-action="edit-calendar" aria-label=${`Edit ${k.name}`} title="Edit"
          onClick=${onEdit}><${Icon} name="edit" size=${14} /></button>
        <button type="button" class="icon-btn icon-btn-sm sd-danger-icon" data-action="delete-calendar" aria-label=${`Delete ${k.name}`}
          title=${k.policies.length ? 'In use: give its policies another calendar first' : 'Delete'} onClick=${onDelete}><${Icon} name="trash" size=${14} /></button>
      </div>`}
    </div>
    <${WeekStrip} spec=${k} large />
    <p class="sd-hours-words">${weekWords(k)}</p>
    <div class="sd-label">Holidays</div>
    ${k.holidays.length ? html`<ul class="sd-holidays">${k.holidays.map((h) => html`<li key=${h.date}><span class="tabular">${h.date}</span>
        ${h.name && html`<span class="muted">${h.name}</span>`}</li>`)}</ul>`
      : html`<p class="muted sd-none">None.</p>`}
    <p class="sd-used">${k.policies.length ? `Used by ${k.policies.join(', ')}` : html`<span class="muted">No policy uses it.</span>`}</p>
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
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const err = (f) => errors[f] || '';
  const setTarget = (k, which, part, v) => {
    setTargets((t) => ({ ...t, [k]: { ...t[k], [which]: { ...t[k][which], [part]: v } } }));
    setErrors({});
  };

  const submit = async (e) => {
    e.preventDefault();
    if (!name.trim()) { setErrors({ name: 'Enter the policy’s name, e.g. “Gold”.' }); return; }
    if (!calendarId) { setErrors({ calendar_id: 'Choose the calendar its time counts in.' }); return; }
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
    setBusy(true);
    try {
      const saved = policy ? await api.put(path`/api/v1/sla/policies/${policy.id}`, body) : await api.post('/api/v1/sla/policies', body);
      onSaved(saved, !policy);
    } catch (er) {
      setBusy(false);
      setErrors(errorsOf(er, isPolicyField));
    }
  };

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
              aria-invalid=${err('name') ? 'true' : 'false'} onInput=${(e) => { setName(e.target.value); setErrors({}); }} />
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
              aria-invalid=${err('targets.warning_percent') ? 'true' : 'false'} onInput=${(e) => { setWarning(e.target.value); setErrors({}); }} />
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
        <${SubmitButton} id="policy-submit" busy=${busy} label=${policy ? 'Save policy' : 'Add policy'} busyLabel="Saving…" />
      </div>
    </form>
  <//>`;
}

function CalendarDialog({ calendar, onClose, onSaved }) {
  const [name, setName] = useState(calendar ? calendar.name : '');
  const [draft, setDraft] = useState(() => draftOf(calendar, 'UTC'));
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const err = (f) => errors[f] || '';
  const edit = (fn) => { setDraft(fn); setErrors({}); };
  const submit = async (e) => {
    e.preventDefault();
    if (!name.trim()) { setErrors({ name: 'Enter the calendar’s name, e.g. “Office hours Berlin”.' }); return; }
    setBusy(true);
    const body = { name: name.trim(), ...specOf(draft) };
    try {
      const saved = calendar ? await api.put(path`/api/v1/sla/calendars/${calendar.id}`, body) : await api.post('/api/v1/sla/calendars', body);
      onSaved(saved, !calendar);
    } catch (er) {
      setBusy(false);
      setErrors(errorsOf(er, (f) => f === 'name' || isHoursField(f)));
    }
  };
  return html`<${Dialog} id="calendar-dialog" title=${calendar ? `Edit the calendar “${calendar.name}”` : 'Add a business calendar'} onClose=${onClose} wide>
    <form class="dialog-form" onSubmit=${submit} novalidate>
      <div class="dialog-body">
        <${Field} label="Name" id="calendar-name" error=${err('name')}>
          <input id="calendar-name" class="input" autofocus maxlength="100" value=${name} placeholder="Office hours Berlin"
            aria-invalid=${err('name') ? 'true' : 'false'} onInput=${(e) => { setName(e.target.value); setErrors({}); }} />
        <//>
        <${HoursEditor} draft=${draft} setDraft=${edit} err=${err} idPrefix="calendar"
          daysOffLabel="Holidays" daysOffHint="No SLA time counts on these local dates." />
        ${calendar && calendar.policies.length > 0 && html`<p class="field-hint">Used by ${calendar.policies.join(', ')}: saving recounts their running tickets.</p>`}
        <${FormError} id="calendar-error" message=${errors.form} />
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose}>Cancel</button>
        <${SubmitButton} id="calendar-submit" busy=${busy} label=${calendar ? 'Save calendar' : 'Add calendar'} busyLabel="Saving…" />
      </div>
    </form>
  <//>`;
}

/** Every client with the policy its new tickets get; admins pick a client's own policy. */
function ClientPolicies({ policies, admin, onChanged }) {
  const clients = useList('/api/v1/clients', { limit: 500 });
  const [saving, setSaving] = useState(null);
  const own = useMemo(() => {
    const m = new Map();
    for (const p of policies) for (const c of p.clients) m.set(c.id, p);
    return m;
  }, [policies]);
  const deflt = policies.find((p) => p.is_default);
  const latest = useRef(0);
  const choose = async (c, value) => {
    const mine = ++latest.current;
    setSaving(c.id);
    try {
      await api.put(path`/api/v1/clients/${c.id}/sla-policy`, { policy_id: value ? Number(value) : null });
      const p = policies.find((x) => String(x.id) === value);
      notify.ok(p ? `${c.name} now has “${p.name}” for new tickets.` : `${c.name} is back on the default policy.`);
      onChanged();
    } catch (e) {
      notify.error(e.message);
    } finally {
      if (mine === latest.current) setSaving(null);
    }
  };
  if (clients.error) return html`<${LoadError} message=${clients.error} onRetry=${clients.reload} />`;
  if (clients.loading && !clients.items.length) return html`<p class="loading"><${Spinner} /> Loading clients…</p>`;
  if (!clients.items.length) return html`<p class="muted">No clients yet.</p>`;
  return html`<div class="table-card sd-client-policies">
    <table class="table" id="client-policy-table" aria-label="Clients’ SLA policies">
      <thead><tr><th scope="col">Client</th><th scope="col">SLA policy for new tickets</th></tr></thead>
      <tbody>
        ${clients.items.map((c) => {
          const p = own.get(c.id);
          return html`<tr key=${c.id} data-client-id=${c.id} data-policy-id=${p ? p.id : ''}>
            <td><a href=${`#/clients/${encodeURIComponent(c.id)}`}>${c.name}</a></td>
            <td>${admin
              ? html`<span class="sd-client-policy">
                  <select class="input input-sm input-auto" aria-label=${`SLA policy of ${c.name}`} value=${p ? String(p.id) : ''}
                      disabled=${saving === c.id} onChange=${(e) => choose(c, e.target.value)}>
                    <option value="">Default${deflt ? ` (${deflt.name})` : ''}</option>
                    ${policies.map((x) => html`<option key=${x.id} value=${String(x.id)}>${x.name}</option>`)}
                  </select>
                  ${saving === c.id && html`<${Spinner} />`}
                </span>`
              : p ? html`<span class="strong">${p.name}</span>` : html`<span class="muted">Default${deflt ? ` (${deflt.name})` : ''}</span>`}</td>
          </tr>`;
        })}
      </tbody>
    </table>
  </div>
  <${LoadMore} list=${clients} />`;
}
