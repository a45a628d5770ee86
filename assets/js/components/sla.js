// Owns: a ticket's SLA clocks as people read them: where each clock stands (running, paused while
// pending, met, breached, none), the queue's live "due in 42m" / "overdue 1h 5m" countdown coloured
// ok / warned / breached, and the ticket page's SLA panel with due times and business time used.
//
// The server stores each clock's due time, its met / warned / breached flags and the business time
// used; whether a clock runs right now follows from the ticket's status (pending pauses both,
// resolved and closed stop both, the first response stops the first clock), so it is read here from
// the same fields instead of being asked for separately.
import { html, useState, useEffect } from '../html.js';
import { exactTime, duration } from '../format.js';

// One shared ticker: the countdowns move every 15 s, minutes being their finest unit.
const tickers = new Set();
setInterval(() => { const now = Date.now(); for (const fn of tickers) fn(now); }, 15e3);

/** The current time, refreshed every 15 s, for countdowns. */
export function useTick() {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    tickers.add(setNow);
    return () => tickers.delete(setNow);
  }, []);
  return Math.max(now, Date.now());
}

export const CLOCKS = [
  ['first_response', 'First response'],
  ['resolution', 'Resolution'],
];

const done = (t) => t.status === 'resolved' || t.status === 'closed';

/**
 * One clock of a ticket: { state: 'none' | 'running' | 'paused' | 'met' | 'breached', due (ISO or
 * null), warned, breached, used (business seconds) }. 'breached' is a clock that stopped late; one
 * still running past its due time stays 'running' with `breached` (or the due time) saying so.
 */
export function slaClock(t, which) {
  const s = t.sla || {};
  if (s.policy_id == null) return { state: 'none', due: null, warned: false, breached: false, used: 0 };
  const clock = {
    due: s[`${which}_due`] || null,
    warned: !!s[`${which}_warned`],
    breached: !!s[`${which}_breached`],
    used: s[`${which}_used_seconds`] || 0,
  };
  const stopped = done(t) || (which === 'first_response' && !!t.first_response_at);
  if (stopped) return { ...clock, state: clock.breached ? 'breached' : 'met' };
  if (t.status === 'pending') return { ...clock, state: 'paused' };
  return { ...clock, state: 'running' };
}

/** "42m", "1h 5m", "2d 4h": a countdown's span, to the minute. */
export function shortSpan(secs) {
  const m = Math.max(0, Math.floor(secs / 60));
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const min = m % 60;
  if (d > 0) return h ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return min ? `${h}h ${min}m` : `${h}h`;
  return `${min}m`;
}

/** "due in 42m", "due now", "overdue 1h 5m" for a due time at `now` (ms). */
export function countdown(dueIso, now) {
  const left = Math.round((new Date(dueIso).getTime() - now) / 1000);
  if (left >= 60) return `due in ${shortSpan(left)}`;
  if (left > -60) return 'due now';
  return `overdue ${shortSpan(-left)}`;
}

/** 'breached' past the due time (or when the server says so), 'warned' after the warning, else 'ok'. */
function levelOf(clock, now) {
  if (clock.breached || (clock.due && new Date(clock.due).getTime() <= now)) return 'breached';
  return clock.warned ? 'warned' : 'ok';
}

/**
 * What the queue shows in its "SLA due" column: the running clock due soonest as a live countdown;
 * otherwise "paused", "met", "breached" or a dash.
 */
export function SlaDue({ ticket: t }) {
  const now = useTick();
  const clocks = CLOCKS.map(([key, label]) => ({ key, label, ...slaClock(t, key) }));
  const running = clocks.filter((c) => c.state === 'running' && c.due)
    .sort((a, b) => new Date(a.due) - new Date(b.due))[0];
  if (running) {
    const level = levelOf(running, now);
    return html`<span class=${`sla sla-${level}`} data-sla=${level} data-clock=${running.key}
        title=${`${running.label} due ${exactTime(running.due)}`}>${countdown(running.due, now)}</span>`;
  }
  if (clocks.some((c) => c.state === 'paused')) {
    return html`<span class="sla sla-paused" data-sla="paused" title="The SLA clocks stop while the ticket is pending.">paused</span>`;
  }
  const res = clocks[1];
  if (res.state === 'met' || res.state === 'breached') {
    const level = res.state === 'met' ? 'met' : 'breached';
    return html`<span class=${`sla sla-${level}`} data-sla=${level}>${res.state === 'met' ? 'met' : 'breached'}</span>`;
  }
  return html`<span class="muted" data-sla="none" title="No SLA policy applies to this ticket.">—</span>`;
}

const STATE_LABELS = { running: 'Running', paused: 'Paused', met: 'Met', breached: 'Breached', none: 'No SLA' };

/** One clock's line on the ticket page. */
function ClockRow({ ticket: t, which, label, now }) {
  const c = slaClock(t, which);
  const level = c.state === 'running' ? levelOf(c, now) : c.state;
  let when = null;
  if (c.state === 'running' && c.due) {
    when = html`<span class=${`sla sla-${level}`}>${countdown(c.due, now)}</span>
      <span class="muted"> · ${exactTime(c.due)}</span>`;
  } else if (c.state === 'paused') {
    when = html`<span class="muted">The clock stops while the ticket is pending${c.due ? `; it was due ${exactTime(c.due)}` : ''}.</span>`;
  } else if (c.state === 'met' || c.state === 'breached') {
    const at = which === 'first_response' ? t.first_response_at || t.resolved_at : t.resolved_at;
    const verb = which === 'first_response' && t.first_response_at ? 'Answered' : 'Resolved';
    when = html`<span class="muted">${at ? `${verb} ${exactTime(at)}` : verb}${c.due ? `; due by ${exactTime(c.due)}` : ''}</span>`;
  }
  return html`<div class="sla-row" id=${`sla-${which.replace('_', '-')}`} data-state=${c.state} data-level=${level}>
    <div class="sla-row-head">
      <span class="sla-name">${label}</span>
      <span class=${`badge sla-badge sla-badge-${level}`}>${STATE_LABELS[c.state]}${c.state === 'running' && c.breached ? ' · overdue' : ''}</span>
    </div>
    ${c.state !== 'none' && html`<div class="sla-when">${when}</div>
      <div class="sla-used">Business time used: <span class="strong tabular">${duration(c.used)}</span></div>`}
  </div>`;
}

/** The ticket page's SLA panel: both clocks, due times, state and business time used. */
export function SlaPanel({ ticket }) {
  const now = useTick();
  const none = (ticket.sla || {}).policy_id == null;
  return html`<section class="card panel" id="ticket-sla">
    <div class="card-head"><h2>SLA</h2></div>
    ${none ? html`<p class="muted">No SLA policy applies to this ticket’s client.</p>`
      : CLOCKS.map(([key, label]) => html`<${ClockRow} key=${key} ticket=${ticket} which=${key} label=${label} now=${now} />`)}
  </section>`;
}
