// Owns: the SLA's business calendars: each with its week (a strip and in words), holidays and the
// policies counting in it; the calendar dialog (name, time zone, hours per weekday, holidays).
// Saving one recounts the due times of the running tickets under it.
import { html, useState } from '../../html.js';
import { api, path } from '../../api.js';
import { Icon } from '../../components/icons.js';
import { Dialog } from '../../components/dialog.js';
import { Field, SubmitButton } from '../../components/ui.js';
import { useForm, FormError } from '../../components/form.js';
import { zoneLabel } from '../../format.js';
import { WeekStrip, weekWords, HoursEditor, draftOf, specOf, isHoursField } from './hours.js';

export function CalendarCard({ calendar: k, admin, onEdit, onDelete }) {
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

export function CalendarDialog({ calendar, onClose, onSaved }) {
  const [name, setName] = useState(calendar ? calendar.name : '');
  const [draft, setDraft] = useState(() => draftOf(calendar, 'UTC'));
  const save = useForm({ fields: (f) => f === 'name' || isHoursField(f) });
  const { errors, err } = save;
  const edit = (fn) => { setDraft(fn); save.clear(); };
  const submit = save.onSubmit({
    check: () => (name.trim() ? {} : { name: 'Enter the calendar’s name, e.g. “Office hours Berlin”.' }),
    send: async () => {
      const body = { name: name.trim(), ...specOf(draft) };
      const saved = calendar ? await api.put(path`/api/v1/sla/calendars/${calendar.id}`, body) : await api.post('/api/v1/sla/calendars', body);
      onSaved(saved, !calendar);
    },
  });
  return html`<${Dialog} id="calendar-dialog" title=${calendar ? `Edit the calendar “${calendar.name}”` : 'Add a business calendar'} onClose=${onClose} wide>
    <form class="dialog-form" onSubmit=${submit} novalidate>
      <div class="dialog-body">
        <${Field} label="Name" id="calendar-name" error=${err('name')}>
          <input id="calendar-name" class="input" autofocus maxlength="100" value=${name} placeholder="Office hours Berlin"
            aria-invalid=${err('name') ? 'true' : 'false'} onInput=${(e) => { setName(e.target.value); save.clear(); }} />
        <//>
        <${HoursEditor} draft=${draft} setDraft=${edit} err=${err} idPrefix="calendar"
          daysOffLabel="Holidays" daysOffHint="No SLA time counts on these local dates." />
        ${calendar && calendar.policies.length > 0 && html`<p class="field-hint">Used by ${calendar.policies.join(', ')}: saving recounts their running tickets.</p>`}
        <${FormError} id="calendar-error" message=${errors.form} />
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose}>Cancel</button>
        <${SubmitButton} id="calendar-submit" busy=${save.busy} label=${calendar ? 'Save calendar' : 'Add calendar'} busyLabel="Saving…" />
      </div>
    </form>
  <//>`;
}
