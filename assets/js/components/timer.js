// Owns: the work timer on a ticket's page. Its start time is kept in this browser's localStorage
// per ticket, so it keeps running across reloads, page changes and a closed tab; Stop hands the
// time worked, in whole minutes rounded up, to the time entry form. Nothing is sent to the server
// until the technician saves the entry.
import { html, useState, useEffect } from '../html.js';
import { Icon } from './icons.js';

const key = (ticketId) => `steward.timer.ticket.${ticketId}`;

function readStart(ticketId) {
  try {
    const v = Number(localStorage.getItem(key(ticketId)));
    return Number.isFinite(v) && v > 0 ? v : null;
  } catch {
    return null; // storage off (a private window with it blocked): the timer simply does not persist
  }
}

function writeStart(ticketId, start) {
  try {
    if (start) localStorage.setItem(key(ticketId), String(start));
    else localStorage.removeItem(key(ticketId));
  } catch {
    // as above
  }
}

/** "0:07:42": hours, minutes and seconds. */
export function clockText(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const pad = (n) => String(n).padStart(2, '0');
  return `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

/** Whole minutes for a span, rounded up, at least 1, at most a day (what the server takes). */
export const minutesOf = (ms) => Math.min(1440, Math.max(1, Math.ceil(ms / 60000)));

/**
 * Start / Stop for ticket `ticketId`; `onStop(minutes)` gets the time worked. The running time
 * shows beside the button, ticking every second.
 */
export function WorkTimer({ ticketId, onStop }) {
  const [start, setStart] = useState(() => readStart(ticketId));
  const [now, setNow] = useState(Date.now());
  useEffect(() => { setStart(readStart(ticketId)); }, [ticketId]);
  useEffect(() => {
    if (!start) return undefined;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [start]);
  // Another tab of this browser started or stopped the same ticket's timer.
  useEffect(() => {
    const fn = (e) => { if (e.key === key(ticketId)) setStart(readStart(ticketId)); };
    window.addEventListener('storage', fn);
    return () => window.removeEventListener('storage', fn);
  }, [ticketId]);

  const begin = () => {
    const t = Date.now();
    writeStart(ticketId, t);
    setNow(t);
    setStart(t);
  };
  const stop = () => {
    const elapsed = Date.now() - start;
    writeStart(ticketId, null);
    setStart(null);
    onStop(minutesOf(elapsed));
  };
  const discard = () => { writeStart(ticketId, null); setStart(null); };

  if (!start) {
    return html`<div class="work-timer" id="work-timer" data-running="false">
      <button type="button" class="btn btn-sm" id="timer-start" onClick=${begin}
          title="Start a timer; it keeps running if you leave or reload the page">
        <${Icon} name="clock" />Start timer
      </button>
    </div>`;
  }
  return html`<div class="work-timer" id="work-timer" data-running="true">
    <span class="timer-dot" aria-hidden="true"></span>
    <span class="timer-clock tabular" id="timer-clock" role="timer" aria-label="Time worked">${clockText(Math.max(now, Date.now()) - start)}</span>
    <button type="button" class="btn btn-sm btn-primary" id="timer-stop" onClick=${stop}
        title="Stop and put the minutes (rounded up) into the form">Stop</button>
    <button type="button" class="btn btn-sm btn-ghost" id="timer-discard" onClick=${discard}>Discard</button>
  </div>`;
}
