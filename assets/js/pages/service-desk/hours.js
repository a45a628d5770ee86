// Owns: working hours as the service desk shows and edits them, for technicians' schedules and
// SLA calendars alike: a week in words ("Mon–Fri 08:00–17:00 · Sat–Sun off (Europe/Berlin)"), the
// week as seven small bars with a mark at now, and the hours editor (time zone, hours per weekday,
// dates off) with the server's field errors next to the day or date they name.
import { html, useMemo } from '../../html.js';
import { Icon } from '../../components/icons.js';
import { Field } from '../../components/ui.js';
import { zoneLabel } from '../../format.js';
import { timeZones } from '../client.js';

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const DAY_NAMES = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };
const DAY_SHORT = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };
const DAY_LETTER = { mon: 'M', tue: 'T', wed: 'W', thu: 'T', fri: 'F', sat: 'S', sun: 'S' };

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

/**
 * A week as seven small bars, the working hours shaded, with a mark at the current time in the
 * week's own zone. `spec` null: round the clock (a technician without a schedule).
 */
export function WeekStrip({ spec, large = false, id }) {
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

// ---------- the hours editor ----------

const blankWeek = () => Object.fromEntries(DAYS.map((d) => [d, []]));
const officeWeek = () => Object.fromEntries(DAYS.map((d) => [d, d === 'sat' || d === 'sun' ? [] : [{ start: '08:00', end: '17:00' }]]));
const roundTheClock = () => Object.fromEntries(DAYS.map((d) => [d, [{ start: '00:00', end: '24:00' }]]));
export const browserZone = () => { try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { return 'UTC'; } };

/** A draft from a stored spec (or a new office week in `zone`). */
export function draftOf(spec, zone) {
  if (!spec) return { timezone: zone, hours: officeWeek(), holidays: [] };
  const hours = blankWeek();
  for (const d of DAYS) hours[d] = ((spec.hours && spec.hours[d]) || []).map((i) => ({ start: i.start, end: i.end }));
  return { timezone: spec.timezone, hours, holidays: (spec.holidays || []).map((h) => ({ date: h.date, name: h.name || '' })) };
}

/** The API body of a draft: every interval as typed (the server names a wrong one by its index). */
export const specOf = (d) => ({
  timezone: d.timezone.trim(),
  hours: Object.fromEntries(DAYS.map((day) => [day, d.hours[day].map((i) => ({ start: i.start.trim(), end: i.end.trim() }))])),
  holidays: d.holidays.map((h) => ({ date: h.date, name: h.name.trim() })),
});

export const isHoursField = (f) => f === 'timezone' || f === 'hours' || /^hours\.(mon|tue|wed|thu|fri|sat|sun)(\[\d+\]\.(start|end))?$/.test(f)
  || /^holidays\[\d+\]\.date$/.test(f);

/**
 * The time zone, the hours of each weekday (intervals added and removed; Monday copied to the
 * other weekdays), and the dates off, with a preview strip. `err(field)` gives a server error.
 */
export function HoursEditor({ draft, setDraft, err, idPrefix, daysOffLabel, daysOffHint }) {
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
