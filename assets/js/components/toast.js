// Owns: the toast notifications (short success and error notices in the corner). Any module
// calls notify.ok(...) / notify.error(...); <Toasts/> renders them, once, in the app frame.
import { html, useState, useEffect } from '../html.js';
import { Icon } from './icons.js';

let items = [];
let seq = 0;
const listeners = new Set();

function emit() { for (const fn of listeners) fn(items); }

function dismiss(id) {
  items = items.filter((t) => t.id !== id);
  emit();
}

function show(kind, text) {
  const id = ++seq;
  items = [...items.slice(-3), { id, kind, text }];
  emit();
  setTimeout(() => dismiss(id), kind === 'error' ? 8000 : 4000);
}

export const notify = {
  ok: (text) => show('ok', text),
  error: (text) => show('error', text),
};

export function Toasts() {
  const [list, setList] = useState(items);
  useEffect(() => {
    listeners.add(setList);
    return () => listeners.delete(setList);
  }, []);
  return html`<div id="toasts" class="toasts" aria-live="polite">
    ${list.map((t) => html`<div key=${t.id} class="toast toast-${t.kind}" data-kind=${t.kind}
        role=${t.kind === 'error' ? 'alert' : 'status'}>
      <${Icon} name=${t.kind === 'error' ? 'alert' : 'check'} />
      <span class="toast-text">${t.text}</span>
      <button type="button" class="icon-btn icon-btn-sm" aria-label="Dismiss" onClick=${() => dismiss(t.id)}>
        <${Icon} name="x" size=${14} />
      </button>
    </div>`)}
  </div>`;
}
