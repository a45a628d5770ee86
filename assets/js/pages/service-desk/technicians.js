// Owns: the technicians on the service desk's first tab: each with their week as a 7-day strip,
// on shift now, open tickets and queues, and the schedule dialog (time zone, hours per weekday,
// days off; "Always on shift" removes the schedule). Admins edit anyone's schedule; a technician
// edits their own. Routing gives tickets only to people on shift.
import { html, useState } from '../../html.js';
import { api, path } from '../../api.js';
import { Icon } from '../../components/icons.js';
import { Dialog } from '../../components/dialog.js';
import { SubmitButton, Spinner, RoleBadge } from '../../components/ui.js';
import { useForm, FormError } from '../../components/form.js';
import { personName } from '../../components/ticket-parts.js';
import { plural } from '../../format.js';
import { WeekStrip, weekWords, HoursEditor, draftOf, specOf, isHoursField, browserZone } from './hours.js';

/** A green or grey dot: on shift now or not. */
export function ShiftDot({ on }) {
  return html`<span class=${on ? 'dot dot-on' : 'dot dot-off'} data-on-shift=${on ? 'true' : 'false'}
    title=${on ? 'On shift now' : 'Off shift now'}></span>`;
}

export function TechnicianTable({ techs, queues, user, admin, onEdit }) {
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

export function ScheduleDialog({ tech, self, onClose, onSaved }) {
  const [draft, setDraft] = useState(() => draftOf(tech.schedule, browserZone()));
  const save = useForm({ fields: isHoursField });
  const [clearing, setClearing] = useState(false);
  const who = self ? 'you' : personName(tech);
  const edit = (fn) => { setDraft(fn); save.clear(); };

  const submit = save.onSubmit({
    send: async () => {
      await api.put(path`/api/v1/technicians/${tech.id}/schedule`, specOf(draft));
      onSaved(self ? 'Your schedule is saved.' : `${personName(tech)}’s schedule is saved.`);
    },
  });
  // Sent through the same form, so a save and a removal never cross; only its own button spins.
  const always = save.onSubmit({
    send: async () => {
      setClearing(true);
      try {
        await api.del(path`/api/v1/technicians/${tech.id}/schedule`);
        onSaved(self ? 'You are always on shift now.' : `${personName(tech)} is always on shift now.`);
      } finally {
        setClearing(false);
      }
    },
  });
  return html`<${Dialog} id="schedule-dialog" title=${self ? 'Your schedule' : `Schedule of ${personName(tech)}`} onClose=${onClose} wide>
    <form class="dialog-form" onSubmit=${submit} novalidate>
      <div class="dialog-body">
        <p class="lead-text">${tech.schedule ? `Routing gives ${who} tickets only within these hours.`
          : `${self ? 'You have' : `${personName(tech)} has`} no schedule: always on shift. Set hours to get tickets only within them.`}</p>
        <${HoursEditor} draft=${draft} setDraft=${edit} err=${save.err} idPrefix="schedule"
          daysOffLabel="Days off" daysOffHint="Holidays, leave: no tickets are routed to them on these dates." />
        <${FormError} id="schedule-error" message=${save.errors.form} />
      </div>
      <div class="dialog-foot sd-foot-split">
        ${tech.schedule ? html`<button type="button" class="btn btn-ghost" id="schedule-always" disabled=${save.busy} onClick=${always}
            title="Remove the schedule: routing may assign tickets at any time">
            ${clearing && html`<${Spinner} />`}Always on shift</button>` : html`<span></span>`}
        <span class="sd-foot-end">
          <button type="button" class="btn" onClick=${onClose}>Cancel</button>
          <${SubmitButton} id="schedule-submit" busy=${save.busy && !clearing} label="Save schedule" busyLabel="Saving…" />
        </span>
      </div>
    </form>
  <//>`;
}
