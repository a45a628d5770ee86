// Owns: one ticket's page (#/tickets/{id}): the header with its number and subject, the fields a
// technician changes in place (status, priority, queue, assignee with "Assign to me", category,
// contact, linked devices), Resolve and Reopen, the SLA panel, the description (plain text), the
// timeline of comments and events oldest first with the comment box (internal unless "Public
// reply" is ticked; Ctrl+Enter sends), the time entries with their totals, the entry form and
// its timer, and the knowledge base suggestions beside it. It re-reads itself live.
//
// Every change names the version it was made on. When someone else changed the ticket meanwhile
// the server refuses it (409) with the ticket as it is now: the page then says what they changed,
// shows the current state, and keeps whatever the technician had typed but not saved.
import { html, useState, useEffect, useRef, useCallback, useMemo } from '../html.js';
import { api, path, withQuery } from '../api.js';
import { useTitle, useSetCrumb } from '../hooks.js';
import { useLiveRefresh } from '../live.js';
import { Icon } from '../components/icons.js';
import { Time, Empty, Loading, LoadError, Spinner } from '../components/ui.js';
import { useForm } from '../components/form.js';
import { notify } from '../components/toast.js';
import { plural } from '../format.js';
import { SlaPanel } from '../components/sla.js';
import { WorkTimer } from '../components/timer.js';
import { KbSuggestions } from '../components/kb-suggest.js';
import {
  PRIORITIES, STATUSES, PriorityBadge, TicketStatusBadge, statusLabel, isDone, useTechnicians, useQueues,
  useContacts, personName, eventWords,
} from '../components/ticket-parts.js';

const isStaff = (user) => user.role === 'admin' || user.role === 'technician';
const SOURCE_WORDS = { alert: 'by an alert', manual: 'by a technician', api: 'through the API', portal: 'in the client portal' };

/** Minutes as "h:mm": 15 → "0:15", 135 → "2:15". */
export const hoursMinutes = (m) => `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}`;

/** Today in the browser's zone, "YYYY-MM-DD" (the day the technician worked). */
function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * What differs between the ticket as shown (`was`) and as it is now (`now`), in words, for the
 * "changed by someone else" notice.
 */
function differences(was, now) {
  const out = [];
  const say = (label, a, b) => { if ((a ?? '') !== (b ?? '')) out.push(`${label}: ${a || 'none'} → ${b || 'none'}`); };
  say('subject', was.subject, now.subject);
  say('status', statusLabel(was.status).toLowerCase(), statusLabel(now.status).toLowerCase());
  say('priority', was.priority, now.priority);
  say('assignee', was.assignee, now.assignee);
  say('queue', was.queue, now.queue);
  say('category', was.category, now.category);
  say('contact', was.contact, now.contact);
  if ((was.description || '') !== (now.description || '')) out.push('the description was edited');
  if ((was.device_ids || []).join(',') !== (now.device_ids || []).join(',')) out.push('the linked devices changed');
  return out;
}

export function TicketPage({ id, user }) {
  const staff = isStaff(user);
  const [state, setState] = useState({ loading: true, ticket: null, error: null });
  const [conflict, setConflict] = useState(null); // { changes: [..], attempted: '...' }
  const [saving, setSaving] = useState('');
  const latest = useRef(0);
  const load = useCallback((quiet = false) => {
    const mine = ++latest.current;
    if (!quiet) setState((s) => ({ ...s, loading: true, error: null }));
    return api.get(path`/api/v1/tickets/${id}`)
      .then((ticket) => { if (mine === latest.current) setState({ loading: false, ticket, error: null }); })
      .catch((error) => {
        if (mine !== latest.current) return;
        setState((s) => (quiet && s.ticket && error.status !== 404 ? s : { loading: false, ticket: null, error }));
      });
  }, [id]);
  useEffect(() => { load(); }, [load]);

  const t = state.ticket;
  useLiveRefresh((e) => (e.type === 'ticket_changed' && String(e.ticket_id) === String(id))
    || (e.type === 'alert_changed' && t && t.alert_id != null && String(e.alert_id) === String(t.alert_id)), () => load(true));

  useTitle(t && `#${t.id} ${t.subject}`, 'Tickets');
  useSetCrumb(t ? `#${t.id} ${t.subject}` : state.error ? (state.error.status === 404 ? 'Not found' : 'Ticket') : '');

  const technicians = useTechnicians(staff);
  const queues = useQueues(staff);
  const contacts = useContacts(staff && t ? t.client_id : '');

  /**
   * Sends `changes` on the version shown. Answers true when saved; on a conflict the page shows
   * the ticket as it is now and says what changed, and the caller keeps its draft.
   */
  const save = async (changes, attempted) => {
    if (!t) return false;
    setSaving(Object.keys(changes)[0]);
    try {
      const saved = await api.patch(path`/api/v1/tickets/${t.id}`, { version: t.version, ...changes });
      setState((s) => ({ ...s, ticket: { ...s.ticket, ...saved } }));
      setConflict(null);
      load(true); // the new events for the timeline
      return true;
    } catch (e) {
      if (e.status === 409 && e.detail && e.detail.id != null) {
        setConflict({ changes: differences(t, e.detail), attempted });
        setState((s) => ({ ...s, ticket: { ...s.ticket, ...e.detail } }));
        load(true);
      } else {
        notify.error(e.message);
      }
      return false;
    } finally {
      setSaving('');
    }
  };

  const names = useMemo(() => {
    const users = new Map((technicians.items || []).map((p) => [p.id, personName(p)]));
    const qs = new Map((queues.items || []).map((q) => [q.id, q.name]));
    const cs = new Map((contacts.items || []).map((c) => [c.id, c.name]));
    if (t && t.assignee_id != null && t.assignee) users.set(t.assignee_id, t.assignee);
    if (t && t.queue_id != null && t.queue) qs.set(t.queue_id, t.queue);
    if (t && t.contact_id != null && t.contact) cs.set(t.contact_id, t.contact);
    for (const e of (t && t.timeline) || []) if (e.type === 'event' && e.user_id != null && e.user) users.set(e.user_id, e.user);
    return { users, queues: qs, contacts: cs };
  }, [technicians.items, queues.items, contacts.items, t]);

  if (state.loading && !t) return html`<section class="page"><${Loading} /></section>`;
  if (state.error) {
    return html`<section class="page">${state.error.status === 404
      ? html`<${Empty} icon="list" title="This ticket does not exist.">
          It may belong to another client, or the number is mistyped. <a href="#/tickets">Back to the tickets</a>
        <//>`
      : html`<${LoadError} message=${state.error.message} onRetry=${() => load()} />`}</section>`;
  }

  const mineNow = t.assignee_id === user.id;
  return html`<section class="page" id="ticket-page" data-ticket-id=${t.id} data-status=${t.status} data-version=${t.version}>
    <${TicketHead} ticket=${t} staff=${staff} saving=${saving} onSave=${save} mine=${mineNow} user=${user} />
    ${conflict && html`<div class="warning ticket-conflict" id="ticket-conflict" role="alert">
      <${Icon} name="alert" />
      <div>
        <p class="strong">Changed by someone else meanwhile.</p>
        ${conflict.changes.length > 0 && html`<ul id="ticket-conflict-changes">${conflict.changes.map((c) => html`<li key=${c}>${c}</li>`)}</ul>`}
        <p>${conflict.attempted ? `Your change (${conflict.attempted}) was not saved. ` : ''}The page shows the ticket as it is now; anything you typed is still there. Apply your change again if it still makes sense.</p>
      </div>
      <button type="button" class="icon-btn icon-btn-sm" aria-label="Dismiss" onClick=${() => setConflict(null)}><${Icon} name="x" size=${14} /></button>
    </div>`}
    <div class="ticket-layout">
      <div class="ticket-main">
        <${Description} ticket=${t} staff=${staff} saving=${saving === 'description'} onSave=${save} />
        <${Timeline} ticket=${t} names=${names} />
        <${CommentBox} ticket=${t} staff=${staff} onSent=${() => load(true)} />
        ${staff && html`<${TimePanel} ticket=${t} onLogged=${() => load(true)} />`}
      </div>
      <aside class="ticket-side">
        <${Details} ticket=${t} staff=${staff} user=${user} saving=${saving} onSave=${save}
          technicians=${technicians.items} queues=${queues.items} contacts=${contacts} />
        <${SlaPanel} ticket=${t} />
        <${KbSuggestions} ticketId=${t.id} user=${user} subject=${t.subject} />
      </aside>
    </div>
  </section>`;
}

// ---------- header ----------

function TicketHead({ ticket: t, staff, saving, onSave, mine, user }) {
  const [draft, setDraft] = useState(null); // the subject being edited, or null
  const submit = async (e) => {
    e.preventDefault();
    const subject = draft.trim();
    if (!subject || subject === t.subject) { setDraft(null); return; }
    if (await onSave({ subject }, `subject “${subject}”`)) setDraft(null);
  };
  const done = isDone(t);
  return html`<div class="page-head ticket-head">
    <div class="page-head-text">
      ${draft == null
        ? html`<div class="title-row">
            <h1 id="page-title"><span class="ticket-number">#${t.id}</span> <span id="ticket-subject">${t.subject}</span></h1>
            ${staff && html`<button type="button" class="icon-btn icon-btn-sm" id="edit-subject" aria-label="Edit the subject"
                title="Edit the subject" onClick=${() => setDraft(t.subject)}><${Icon} name="edit" size=${14} /></button>`}
          </div>`
        : html`<form class="subject-form" onSubmit=${submit}>
            <span class="ticket-number">#${t.id}</span>
            <input id="subject-input" class="input" maxlength="300" value=${draft} autofocus aria-label="Subject"
              onInput=${(e) => setDraft(e.target.value)} onKeyDown=${(e) => { if (e.key === 'Escape') { e.preventDefault(); setDraft(null); } }} />
            <button type="submit" class="btn btn-primary btn-sm" id="subject-save" disabled=${saving === 'subject'}>Save</button>
            <button type="button" class="btn btn-sm" onClick=${() => setDraft(null)}>Cancel</button>
          </form>`}
      <div class="page-sub ticket-sub">
        <${TicketStatusBadge} status=${t.status} /> <${PriorityBadge} priority=${t.priority} />
        <span>${staff ? html`<a href=${`#/clients/${encodeURIComponent(t.client_id)}`}>${t.client}</a>` : t.client}</span>
        <span class="muted">· opened <${Time} value=${t.created_at} />${t.assignee ? html` · ${mine ? 'assigned to you' : html`assigned to <span class="strong">${t.assignee}</span>`}` : ' · unassigned'}</span>
      </div>
    </div>
    ${staff && html`<div class="page-actions">
      ${!mine && !done && html`<button type="button" class="btn" id="ticket-assign-me" disabled=${!!saving}
          onClick=${() => onSave({ assignee_id: user.id }, 'assign to you')}><${Icon} name="account" />Assign to me</button>`}
      ${!done && html`<button type="button" class="btn btn-primary" id="ticket-resolve" disabled=${!!saving}
          onClick=${() => onSave({ status: 'resolved' }, 'resolve')}>
        ${saving === 'status' ? html`<${Spinner} />` : html`<${Icon} name="check" />`}Resolve
      </button>`}
      ${done && html`<button type="button" class="btn" id="ticket-reopen" disabled=${!!saving}
          onClick=${() => onSave({ status: 'open' }, 'reopen')}>${saving === 'status' && html`<${Spinner} />`}Reopen</button>`}
    </div>`}
  </div>`;
}

// ---------- the side column ----------

function Details({ ticket: t, staff, user, saving, onSave, technicians, queues, contacts }) {
  const [category, setCategory] = useState(t.category);
  const [editingCategory, setEditingCategory] = useState(false);
  useEffect(() => { if (!editingCategory) setCategory(t.category); }, [t.category, editingCategory]);
  const saveCategory = async () => {
    setEditingCategory(false);
    const v = category.trim();
    if (v !== t.category) await onSave({ category: v }, `category “${v}”`);
  };
  const pick = (field, parse, words) => (e) => {
    const v = e.target.value;
    onSave({ [field]: parse(v) }, words(v));
  };
  const idOrNull = (v) => (v === '' ? null : Number(v));
  const busy = !!saving;

  const people = [...technicians];
  if (t.assignee_id != null && !people.some((p) => p.id === t.assignee_id)) people.push({ id: t.assignee_id, name: t.assignee });
  const queueList = [...queues];
  if (t.queue_id != null && !queueList.some((q) => q.id === t.queue_id)) queueList.push({ id: t.queue_id, name: t.queue });
  const contactList = [...contacts.items];
  if (t.contact_id != null && !contactList.some((c) => c.id === t.contact_id)) contactList.push({ id: t.contact_id, name: t.contact });

  return html`<section class="card panel" id="ticket-details">
    <div class="card-head"><h2>Details</h2></div>
    <dl class="props ticket-props">
      <dt><label for="ticket-status">Status</label></dt>
      <dd>${staff ? html`<select id="ticket-status" class="input input-sm" value=${t.status} disabled=${busy}
          onChange=${pick('status', (v) => v, (v) => `status ${v}`)}>
          ${STATUSES.map(([s, label]) => html`<option key=${s} value=${s}>${label}</option>`)}
        </select>` : html`<${TicketStatusBadge} status=${t.status} />`}</dd>
      <dt><label for="ticket-priority">Priority</label></dt>
      <dd>${staff ? html`<select id="ticket-priority" class="input input-sm" value=${t.priority} disabled=${busy}
          onChange=${pick('priority', (v) => v, (v) => `priority ${v}`)}>
          ${PRIORITIES.map(([p, label]) => html`<option key=${p} value=${p}>${label}</option>`)}
        </select>` : html`<${PriorityBadge} priority=${t.priority} />`}</dd>
      ${staff && html`<dt><label for="ticket-queue">Queue</label></dt>
      <dd><select id="ticket-queue" class="input input-sm" value=${t.queue_id == null ? '' : String(t.queue_id)} disabled=${busy}
          onChange=${pick('queue_id', idOrNull, (v) => (v ? 'move to another queue' : 'take out of the queue'))}>
          <option value="">No queue</option>
          ${queueList.map((q) => html`<option key=${q.id} value=${String(q.id)}>${q.name}</option>`)}
        </select></dd>`}
      <dt>${staff ? html`<label for="ticket-assignee">Assignee</label>` : 'Assignee'}</dt>
      <dd>${staff ? html`<div class="assignee-pick">
          <select id="ticket-assignee" class="input input-sm" value=${t.assignee_id == null ? '' : String(t.assignee_id)} disabled=${busy}
              onChange=${pick('assignee_id', idOrNull, (v) => (v ? 'reassign' : 'unassign'))}>
            <option value="">Unassigned</option>
            ${!people.some((p) => p.id === user.id) && html`<option value=${String(user.id)}>${personName(user)} (you)</option>`}
            ${people.map((p) => html`<option key=${p.id} value=${String(p.id)}>${personName(p)}${p.id === user.id ? ' (you)' : ''}</option>`)}
          </select>
        </div>` : t.assignee || html`<span class="muted">Not yet assigned</span>`}</dd>
      <dt>${staff ? html`<label for="ticket-category">Category</label>` : 'Category'}</dt>
      <dd>${staff ? html`<input id="ticket-category" class="input input-sm" maxlength="100" value=${category} disabled=${saving === 'category'}
          placeholder="None" onFocus=${() => setEditingCategory(true)} onInput=${(e) => setCategory(e.target.value)}
          onBlur=${saveCategory}
          onKeyDown=${(e) => {
            if (e.key === 'Enter') { e.preventDefault(); e.target.blur(); }
            if (e.key === 'Escape') { e.preventDefault(); setCategory(t.category); setEditingCategory(false); e.target.blur(); }
          }} />` : t.category || html`<span class="muted">—</span>`}</dd>
      <dt>Client</dt>
      <dd id="ticket-client">${staff ? html`<a href=${`#/clients/${encodeURIComponent(t.client_id)}`}>${t.client}</a>` : t.client}</dd>
      <dt>${staff && !contacts.error ? html`<label for="ticket-contact">Contact</label>` : 'Contact'}</dt>
      <dd id="ticket-contact-cell">${staff && !contacts.error ? html`<select id="ticket-contact" class="input input-sm"
          value=${t.contact_id == null ? '' : String(t.contact_id)} disabled=${busy || contacts.loading}
          onChange=${pick('contact_id', idOrNull, (v) => (v ? 'set the contact' : 'remove the contact'))}>
          <option value="">Nobody in particular</option>
          ${contactList.map((c) => html`<option key=${c.id} value=${String(c.id)}>${c.name}</option>`)}
        </select>` : t.contact || html`<span class="muted">—</span>`}</dd>
      <dt>Devices</dt>
      <dd><${LinkedDevices} ticket=${t} staff=${staff} busy=${busy} onSave=${onSave} /></dd>
      ${t.alert_id != null && html`<dt>Alert</dt>
        <dd><a id="ticket-alert" href=${`#/alerts/${encodeURIComponent(t.alert_id)}`}><${Icon} name="alert" size=${14} /> Alert ${t.alert_id}</a></dd>`}
      <dt>Opened</dt><dd><${Time} value=${t.created_at} /> ${SOURCE_WORDS[t.source] || ''}</dd>
      ${t.first_response_at && html`<dt>First response</dt><dd><${Time} value=${t.first_response_at} /></dd>`}
      ${t.resolved_at && html`<dt>Resolved</dt><dd id="ticket-resolved-at"><${Time} value=${t.resolved_at} /></dd>`}
      ${t.closed_at && html`<dt>Closed</dt><dd><${Time} value=${t.closed_at} /></dd>`}
    </dl>
  </section>`;
}

/** The devices linked to the ticket, as links; staff link more from the client's devices and unlink. */
function LinkedDevices({ ticket: t, staff, busy, onSave }) {
  const [devices, setDevices] = useState(null); // the client's devices, for names and the picker
  useEffect(() => {
    let alive = true;
    api.get(withQuery('/api/v1/devices', { client_id: staff ? t.client_id : '', limit: 500 }))
      .then((d) => alive && setDevices(d.items))
      .catch(() => alive && setDevices([]));
    return () => { alive = false; };
  }, [t.client_id, staff]);
  const byId = new Map((devices || []).map((d) => [d.id, d]));
  const ids = t.device_ids || [];
  const others = (devices || []).filter((d) => !ids.includes(d.id));
  const set = (next, words) => onSave({ device_ids: next }, words);
  return html`<div class="linked-devices" id="ticket-devices">
    ${ids.length === 0 && html`<span class="muted">None linked</span>`}
    ${ids.length > 0 && html`<ul class="plain-list">${ids.map((id) => {
      const d = byId.get(id);
      return html`<li key=${id} data-device-id=${id}>
        <a href=${`#/devices/${encodeURIComponent(id)}`}><${Icon} name="device" size=${14} /> ${d ? d.hostname : `Device ${id}`}</a>
        ${staff && html`<button type="button" class="chip-x" aria-label=${`Unlink ${d ? d.hostname : `device ${id}`}`} disabled=${busy}
          onClick=${() => set(ids.filter((x) => x !== id), 'unlink a device')}><${Icon} name="x" size=${11} /></button>`}
      </li>`;
    })}</ul>`}
    ${staff && others.length > 0 && html`<select id="ticket-link-device" class="input input-sm" value="" disabled=${busy}
        aria-label="Link a device" onChange=${(e) => { const v = Number(e.target.value); e.target.value = ''; if (v) set([...ids, v], 'link a device'); }}>
      <option value="">Link a device…</option>
      ${others.map((d) => html`<option key=${d.id} value=${String(d.id)}>${d.hostname}</option>`)}
    </select>`}
  </div>`;
}

// ---------- description ----------

/**
 * The description, as plain text. Staff edit it in place; when someone else changes it while the
 * technician writes (the page follows live), Save first shows theirs beside the draft instead of
 * overwriting it, and a second Save keeps the draft.
 */
function Description({ ticket: t, staff, saving, onSave }) {
  const [edit, setEdit] = useState(null); // { draft, base: the text the draft started from }
  const theirs = edit && edit.base !== t.description;
  const [warned, setWarned] = useState(false);
  const begin = () => { setEdit({ draft: t.description, base: t.description }); setWarned(false); };
  const submit = async (e) => {
    e.preventDefault();
    if (theirs && !warned) { setWarned(true); return; }
    if (edit.draft === t.description) { setEdit(null); return; }
    if (await onSave({ description: edit.draft }, 'the description')) setEdit(null);
  };
  return html`<section class="card panel" id="ticket-description">
    <div class="card-head">
      <h2>Description</h2>
      ${staff && edit == null && html`<button type="button" class="btn btn-sm btn-ghost" id="edit-description"
          onClick=${begin}><${Icon} name="edit" />Edit</button>`}
    </div>
    ${edit == null
      ? (t.description ? html`<div class="ticket-text" id="ticket-description-text">${t.description}</div>`
        : html`<p class="muted">No description.${staff ? ' Add what is known with Edit.' : ''}</p>`)
      : html`<form onSubmit=${submit}>
          ${theirs && warned && html`<div class="warning" id="description-conflict" role="alert">
            <${Icon} name="alert" />
            <div>
              <p class="strong">Someone else changed the description while you were writing. It is now:</p>
              <div class="ticket-text description-theirs">${t.description || '(empty)'}</div>
              <p>Your text is below. Save again to replace theirs with it, or Cancel to keep theirs.</p>
            </div>
          </div>`}
          <textarea id="description-input" class="input" rows="8" value=${edit.draft} autofocus aria-label="Description"
            onInput=${(e) => { const draft = e.target.value; setEdit((x) => ({ ...x, draft })); }}></textarea>
          <div class="form-actions">
            <button type="button" class="btn" onClick=${() => setEdit(null)}>Cancel</button>
            <button type="submit" class="btn btn-primary" id="description-save" disabled=${saving}>${saving && html`<${Spinner} />`}Save</button>
          </div>
        </form>`}
  </section>`;
}

// ---------- timeline and comments ----------

function Timeline({ ticket: t, names }) {
  const items = t.timeline || [];
  return html`<section class="card panel" id="ticket-timeline-card">
    <div class="card-head"><h2>Timeline</h2><span class="panel-sub">Oldest first</span></div>
    ${items.length === 0 ? html`<p class="muted">Nothing yet.</p>`
      : html`<ol class="timeline ticket-timeline" id="ticket-timeline">${items.map((e) => (e.type === 'comment'
        ? html`<li key=${`c${e.id}`} class=${`timeline-item tl-comment ${e.public ? 'tl-public' : 'tl-internal'}`}
              data-type="comment" data-comment-id=${e.id} data-public=${e.public ? 'true' : 'false'}>
            <span class="timeline-dot" aria-hidden="true"></span>
            <div class="timeline-body comment">
              <div class="comment-head">
                <span class="strong">${e.author || 'Steward'}</span>
                ${e.public ? html`<span class="badge comment-label comment-public">Public</span>`
                  : html`<span class="badge comment-label comment-internal">Internal</span>`}
                <span class="muted"><${Time} value=${e.at} /></span>
              </div>
              <div class="ticket-text comment-body">${e.body}</div>
            </div>
          </li>`
        : html`<li key=${`e${e.id}`} class=${`timeline-item tl-event tl-${e.kind}`} data-type="event" data-kind=${e.kind}>
            <span class="timeline-dot" aria-hidden="true"></span>
            <div class="timeline-body"><span class="event-words">${eventWords(e, names)}</span>
              <span class="muted"> · <${Time} value=${e.at} /></span></div>
          </li>`))}</ol>`}
  </section>`;
}

function CommentBox({ ticket: t, staff, onSent }) {
  const [body, setBody] = useState('');
  const [isPublic, setPublic] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const send = async (e) => {
    if (e) e.preventDefault();
    if (busy) return;
    if (!body.trim()) { setError('Write something first.'); return; }
    setBusy(true);
    setError('');
    try {
      await api.post(path`/api/v1/tickets/${t.id}/comments`, { body, public: staff ? isPublic : true });
      setBody('');
      setPublic(false);
      notify.ok(!staff || isPublic ? 'Reply sent.' : 'Internal note added.');
      onSent();
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };
  const label = !staff ? 'Send reply' : isPublic ? 'Send public reply' : 'Add internal note';
  return html`<section class=${`card panel comment-box${staff && !isPublic ? ' comment-box-internal' : ''}`} id="comment-box">
    <form onSubmit=${send}>
      <label class="sr-only" for="comment-body">${staff ? 'Comment' : 'Your reply'}</label>
      <textarea id="comment-body" class="input" rows="4" value=${body} aria-invalid=${error ? 'true' : 'false'}
        placeholder=${!staff ? 'Write to the technicians…' : isPublic ? 'Reply to the client (they get it by e-mail)…' : 'Internal note: only staff see it…'}
        onInput=${(e) => setBody(e.target.value)}
        onKeyDown=${(e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); send(); } }}></textarea>
      ${error && html`<p class="field-error" id="comment-error" role="alert">${error}</p>`}
      <div class="comment-actions">
        ${staff ? html`<label class="check" for="comment-public">
            <input type="checkbox" id="comment-public" checked=${isPublic} onChange=${(e) => setPublic(e.target.checked)} />
            Public reply (e-mailed to the contact)
          </label>`
          : html`<span class="muted">${isDone(t) ? 'Replying reopens the ticket.' : 'Your reply goes to the technicians on this ticket.'}</span>`}
        <span class="comment-send">
          <span class="muted comment-hint"><kbd>Ctrl</kbd>+<kbd>Enter</kbd></span>
          <button type="submit" class=${staff && !isPublic ? 'btn' : 'btn btn-primary'} id="comment-submit" disabled=${busy}>
            ${busy && html`<${Spinner} />`}${label}
          </button>
        </span>
      </div>
    </form>
  </section>`;
}

// ---------- time ----------

function TimePanel({ ticket: t, onLogged }) {
  const entries = t.time_entries || [];
  const billable = entries.filter((e) => e.billable).reduce((n, e) => n + e.minutes, 0);
  const other = entries.filter((e) => !e.billable).reduce((n, e) => n + e.minutes, 0);
  const [form, setForm] = useState({ minutes: '', billable: true, note: '', date: today() });
  const save = useForm({ fields: ['minutes', 'note', 'date'] });
  const { errors, busy } = save;
  const minutesInput = useRef(null);

  const minutes = Number(form.minutes);
  const submit = save.onSubmit({
    check: () => (Number.isInteger(minutes) && minutes >= 1 && minutes <= 1440 ? {}
      : { minutes: 'Enter the minutes worked, a whole number from 1 to 1440.' }),
    send: async () => {
      await api.post(path`/api/v1/tickets/${t.id}/time`, { minutes, billable: form.billable, note: form.note, date: form.date });
      setForm((f) => ({ ...f, minutes: '', note: '' }));
      notify.ok(`${hoursMinutes(minutes)} logged${form.billable ? ' as billable' : ''}.`);
      onLogged();
    },
  });
  const set = (k) => (e) => setForm((f) => ({ ...f, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value }));

  return html`<section class="card panel" id="ticket-time">
    <div class="card-head">
      <h2>Time</h2>
      <span class="panel-sub time-totals" id="time-totals">
        Billable <span class="strong tabular" id="time-total-billable">${hoursMinutes(billable)}</span>
        · Not billable <span class="strong tabular" id="time-total-unbillable">${hoursMinutes(other)}</span>
      </span>
    </div>
    ${entries.length === 0 ? html`<p class="muted" id="time-empty">No time logged yet. Start the timer while you work, or enter the minutes below.</p>`
      : html`<table class="mini-table" id="time-table">
          <thead><tr><th>Date</th><th>Who</th><th class="num">Time</th><th>Billable</th><th>Note</th></tr></thead>
          <tbody>${entries.map((e) => html`<tr key=${e.id} data-entry-id=${e.id} data-billable=${e.billable ? 'true' : 'false'}>
            <td class="nowrap">${e.date}</td>
            <td>${e.user || '—'}</td>
            <td class="num tabular">${hoursMinutes(e.minutes)}</td>
            <td>${e.billable ? 'Yes' : html`<span class="muted">No</span>`}</td>
            <td class="time-note">${e.note}</td>
          </tr>`)}</tbody>
        </table>`}
    <form class="time-form" id="time-form" onSubmit=${submit} novalidate>
      <div class="time-fields">
        <div class="field time-minutes">
          <label for="time-minutes">Minutes</label>
          <input id="time-minutes" ref=${minutesInput} class="input" type="number" min="1" max="1440" step="1" inputmode="numeric"
            value=${form.minutes} aria-invalid=${errors.minutes ? 'true' : 'false'} onInput=${set('minutes')} />
        </div>
        <div class="field time-date">
          <label for="time-date">Date</label>
          <input id="time-date" class="input" type="date" value=${form.date} max=${today()}
            aria-invalid=${errors.date ? 'true' : 'false'} onInput=${set('date')} />
        </div>
        <div class="field time-note-field">
          <label for="time-note">Note <span class="optional">optional</span></label>
          <input id="time-note" class="input" maxlength="2000" value=${form.note} placeholder="What you did"
            aria-invalid=${errors.note ? 'true' : 'false'} onInput=${set('note')} />
        </div>
      </div>
      ${Object.entries(errors).map(([k, msg]) => html`<p key=${k} class="field-error" id=${`time-${k}-error`} role="alert">${msg}</p>`)}
      <div class="time-actions">
        <label class="check" for="time-billable">
          <input type="checkbox" id="time-billable" checked=${form.billable} onChange=${set('billable')} /> Billable
        </label>
        <${WorkTimer} ticketId=${t.id} onStop=${(m) => {
          setForm((f) => ({ ...f, minutes: String(m) }));
          if (minutesInput.current) minutesInput.current.focus();
        }} />
        <button type="submit" class="btn btn-primary" id="time-submit" disabled=${busy}>${busy && html`<${Spinner} />`}Log time</button>
      </div>
    </form>
    ${entries.length > 0 && html`<p class="card-note">${plural(entries.length, 'entry', 'entries')}, ${hoursMinutes(billable + other)} in all.</p>`}
  </section>`;
}
