// Owns: keyboard shortcuts. Global ones ("g h", "g d", "g c", "g u", "g a", "?") are given to
// installShortcuts() by the app; a page adds its own ("/" and "n") with usePageShortcut() while it
// is on screen. Nothing fires while the user types in a field, holds a modifier, or has a
// dialog open (Esc in dialogs is the browser's own <dialog> behaviour).
import { useEffect, useRef } from './html.js';

const pageKeys = new Map();
const SEQUENCE_MS = 1500;

export const SHORTCUTS = [
  ['g h', 'Go to the Dashboard (staff)'],
  ['g d', 'Go to Devices'],
  ['g t', 'Go to Tickets'],
  ['g k', 'Go to the Knowledge base'],
  ['g r', 'Go to Reports (staff)'],
  ['g c', 'Go to Clients'],
  ['g u', 'Go to Users (admins)'],
  ['g a', 'Go to Account'],
  ['/', 'Focus the search box'],
  ['n', 'Add a device, client, user, API key, ticket or article'],
  ['j', 'Next row (Alerts, Tickets)'],
  ['k', 'Previous row'],
  ['x', 'Select the row'],
  ['o', 'Open the row (Enter as well, on Tickets)'],
  ['a', 'Alerts: acknowledge · Tickets: assign to me (the selected rows, or the one under the cursor)'],
  ['1', 'Tickets: Mine (2 Unassigned, 3 All open, 4 All)'],
  ['e', 'Edit the article (Knowledge base)'],
  ['Esc', 'Close a dialog'],
  ['?', 'Show this list'],
];

function isTyping(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  if (target.matches('textarea, select')) return true;
  if (target.matches('input')) {
    return !['button', 'submit', 'reset', 'checkbox', 'radio', 'range', 'color', 'file'].includes(target.type);
  }
  return false;
}

/** Registers `handler` for `key` while the calling component is mounted. */
export function usePageShortcut(key, handler) {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    const fn = () => ref.current && ref.current();
    pageKeys.set(key, fn);
    return () => { if (pageKeys.get(key) === fn) pageKeys.delete(key); };
  }, [key]);
}

/** `go` maps the second key of a "g" sequence to a function; `help` opens the shortcut list. */
export function installShortcuts({ go, help }) {
  let pendingG = 0;
  const onKey = (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (isTyping(e.target) || document.querySelector('dialog[open]')) return;
    const key = e.key;
    if (pendingG && Date.now() - pendingG < SEQUENCE_MS) {
      pendingG = 0;
      const fn = go()[key];
      if (fn) { e.preventDefault(); fn(); }
      return;
    }
    pendingG = 0;
    if (key === 'g') { pendingG = Date.now(); return; }
    if (key === '?') { e.preventDefault(); help(); return; }
    const fn = pageKeys.get(key);
    if (fn) { e.preventDefault(); fn(); }
  };
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}
