// Owns: the small pieces the ticket queue and the ticket page share: priority and status names
// and badges, the technicians and queues for pickers (read once a minute at most), and the
// ticket's history events said in words ("Ana changed the status from open to pending").
import { html, useState, useEffect } from '../html.js';
import { api, withQuery } from '../api.js';

export const ticketHref = (id) => `#/tickets/${encodeURIComponent(id)}`;

export const PRIORITIES = [
  ['P1', 'P1 · Critical'], ['P2', 'P2 · High'], ['P3', 'P3 · Normal'], ['P4', 'P4 · Low'],
];
export const STATUSES = [
  ['new', 'New'], ['open', 'Open'], ['pending', 'Pending'], ['resolved', 'Resolved'], ['closed', 'Closed'],
];
const STATUS_LABELS = Object.fromEntries(STATUSES);
export const statusLabel = (s) => STATUS_LABELS[s] || s;
export const isDone = (t) => t.status === 'resolved' || t.status === 'closed';

export const PriorityBadge = ({ priority }) =>
  html`<span class=${`badge prio prio-${String(priority).toLowerCase()}`} data-priority=${priority}
    title=${(PRIORITIES.find(([p]) => p === priority) || [priority, priority])[1]}>${priority}</span>`;

export const TicketStatusBadge = ({ status }) =>
  html`<span class=${`badge tstatus tstatus-${status}`} data-status=${status}>${statusLabel(status)}</span>`;

// ---------- options for pickers ----------

const cache = new Map(); // path -> { at, promise }
const FRESH_MS = 60e3;

function load(path) {
  const hit = cache.get(path);
  if (hit && Date.now() - hit.at < FRESH_MS) return hit.promise;
  const promise = api.get(path).then((d) => d.items || []);
  cache.set(path, { at: Date.now(), promise });
  promise.catch(() => cache.delete(path)); // a failure is asked again next time
  return promise;
}

/** Forgets what was read, so the next picker asks again (after a change that affects it). */
export function forgetOptions() { cache.clear(); }

/** Items of a list endpoint for a picker: { items, loading, error }. `path` null: nothing to load. */
export function useOptions(path) {
  const [state, setState] = useState({ items: [], loading: !!path, error: '' });
  useEffect(() => {
    if (!path) { setState({ items: [], loading: false, error: '' }); return undefined; }
    let alive = true;
    setState((s) => ({ ...s, loading: true, error: '' }));
    load(path)
      .then((items) => alive && setState({ items, loading: false, error: '' }))
      .catch((e) => alive && setState({ items: [], loading: false, error: e.message }));
    return () => { alive = false; };
  }, [path]);
  return state;
}

/** Staff who can be assigned tickets. */
export const useTechnicians = (staff = true) => useOptions(staff ? '/api/v1/technicians' : null);
/** The ticket queues. */
export const useQueues = (staff = true) => useOptions(staff ? '/api/v1/queues' : null);
/** A client's contacts (people a ticket can be for). */
export const useContacts = (clientId) =>
  useOptions(clientId ? withQuery('/api/v1/contacts', { client_id: clientId, limit: 500 }) : null);

/** A person's name for pickers: their name, else their login. */
export const personName = (p) => (p && (p.name || p.login)) || '';

// ---------- history in words ----------

/**
 * One history event as a sentence. `names` maps ids to names: { users: Map, queues: Map,
 * contacts: Map }; an id it does not know is said as "user 7".
 */
export function eventWords(e, names = {}) {
  const who = e.user || 'Steward';
  const look = (map, id, what) => {
    if (id == null || id === '') return null;
    const n = map && map.get(Number(id));
    return n || `${what} ${id}`;
  };
  // The server names what the ids stood for (old_label / new_label); the pickers' lists are the
  // fallback for events from before it did.
  const user = (id, label) => label || look(names.users, id, 'user');
  const queue = (id, label) => label || look(names.queues, id, 'queue');
  const contact = (id, label) => label || look(names.contacts, id, 'contact');
  const quoted = (v) => `“${v}”`;
  const o = e.old_value;
  const n = e.new_value;
  switch (e.kind) {
    case 'created':
      return e.user ? `${who} opened the ticket${n ? ` as ${n}` : ''}` : `The ticket was opened${n ? ` as ${n}` : ''}`;
    case 'status':
      return `${who} changed the status from ${statusLabel(o).toLowerCase()} to ${statusLabel(n).toLowerCase()}`;
    case 'priority':
      return `${who} changed the priority from ${o} to ${n}`;
    case 'assignee':
      if (!n) return `${who} unassigned it from ${user(o, e.old_label)}`;
      if (!o) return e.user_id != null && Number(n) === e.user_id ? `${who} took it` : `${who} assigned it to ${user(n, e.new_label)}`;
      return `${who} reassigned it from ${user(o, e.old_label)} to ${user(n, e.new_label)}`;
    case 'queue':
      if (!n) return `${who} took it out of the ${queue(o, e.old_label)} queue`;
      if (!o) return `${who} put it in the ${queue(n, e.new_label)} queue`;
      return `${who} moved it from the ${queue(o, e.old_label)} queue to ${queue(n, e.new_label)}`;
    case 'contact':
      if (!n) return `${who} removed the contact ${contact(o, e.old_label)}`;
      return `${who} set the contact to ${contact(n, e.new_label)}`;
    case 'subject':
      return `${who} changed the subject from ${quoted(o)} to ${quoted(n)}`;
    case 'description':
      return `${who} edited the description`;
    case 'category':
      if (!n) return `${who} cleared the category (was ${quoted(o)})`;
      if (!o) return `${who} set the category to ${quoted(n)}`;
      return `${who} changed the category from ${quoted(o)} to ${quoted(n)}`;
    case 'devices': {
      const count = (v) => (v ? String(v).split(',').filter(Boolean).length : 0);
      const k = count(n);
      return `${who} changed the linked devices (${k === 0 ? 'none now' : k === 1 ? '1 device now' : `${k} devices now`})`;
    }
    case 'routed':
      return `Routed by the rule ${quoted(n)}`;
    case 'article':
      return n ? `${who} linked the article ${quoted(n)}` : `${who} unlinked the article ${quoted(o)}`;
    case 'first_response':
      return `First response to the client, by ${who}`;
    case 'sla_warning':
      return `SLA warning: the ${n || 'SLA'} deadline is near`;
    case 'sla_breach':
      return `SLA breached: the ${n || 'SLA'} deadline has passed`;
    default:
      return `${who}: ${e.kind}${n ? ` ${n}` : ''}`;
  }
}
