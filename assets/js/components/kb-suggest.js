// Owns: the knowledge base's panel on a ticket page (KbSuggestions): the articles linked from the
// ticket and those its subject suggests, each linking to #/kb/{id}; staff link and unlink them
// and can find any other article to link. Also the small pieces the knowledge-base pages share
// with it: the visibility badge and the search snippet with its matched words marked.
import { html, useState, useEffect, useRef, useCallback } from '../html.js';
import { api, path, withQuery } from '../api.js';
import { useDebounced } from '../hooks.js';
import { useLiveRefresh } from '../live.js';
import { Icon } from './icons.js';
import { Spinner, LoadError } from './ui.js';
import { notify } from './toast.js';

const isStaff = (user) => user && (user.role === 'admin' || user.role === 'technician');

export const articleHref = (id) => `#/kb/${encodeURIComponent(id)}`;

/** "Internal" or "Client-visible", as a badge. */
export function VisibilityBadge({ visibility }) {
  return visibility === 'client'
    ? html`<span class="badge kb-vis kb-vis-client" data-visibility="client" title="Client contacts can read it in the portal">Client-visible</span>`
    : html`<span class="badge kb-vis kb-vis-internal" data-visibility="internal" title="Only the MSP's staff can read it">Internal</span>`;
}

const MARK_START = '\uE000';
const MARK_END = '\uE001';

/**
 * A search snippet from the server: plain text whose matched words sit between U+E000 and
 * U+E001. The words become <mark> elements; everything stays text, never HTML.
 */
export function Snippet({ text, id }) {
  const parts = [];
  let rest = text || '';
  let n = 0;
  while (rest) {
    const start = rest.indexOf(MARK_START);
    if (start < 0) { parts.push(rest); break; }
    if (start > 0) parts.push(rest.slice(0, start));
    const end = rest.indexOf(MARK_END, start + 1);
    const word = end < 0 ? rest.slice(start + 1) : rest.slice(start + 1, end);
    parts.push(html`<mark key=${n++}>${word}</mark>`);
    rest = end < 0 ? '' : rest.slice(end + 1);
  }
  return html`<span class="snippet" id=${id}>${parts}</span>`;
}

/** One article in the panel: its title as a link, the start of its text, an action for staff. */
function ArticleItem({ article: a, staff, action }) {
  return html`<li class="kb-suggest-item" data-article-id=${a.id}>
    <div class="kb-suggest-text">
      <a class="kb-suggest-title" href=${articleHref(a.id)}>${a.title}</a>
      ${staff && a.visibility === 'internal' && html` <${VisibilityBadge} visibility="internal" />`}
      ${a.excerpt && html`<div class="kb-suggest-excerpt">${a.excerpt}</div>`}
    </div>
    ${action}
  </li>`;
}

/**
 * The panel: `ticketId` is the ticket, `subject` its subject (the suggestions follow it, so a
 * changed subject reloads them). Client contacts see client-visible articles only and cannot
 * change the links; with nothing to show, the panel stays out of their way.
 */
export function KbSuggestions({ ticketId, user, subject }) {
  const staff = isStaff(user);
  const [state, setState] = useState({ loading: true, linked: [], suggested: [], error: '' });
  const [busy, setBusy] = useState(null); // the id of the article being linked or unlinked
  const latest = useRef(0);
  const load = useCallback((quiet = false) => {
    const mine = ++latest.current;
    if (!quiet) setState((s) => ({ ...s, loading: true, error: '' }));
    api.get(path`/api/v1/tickets/${ticketId}/articles`)
      .then((d) => { if (mine === latest.current) setState({ loading: false, linked: d.linked, suggested: d.suggested, error: '' }); })
      .catch((e) => {
        if (mine !== latest.current) return;
        setState((s) => (quiet && !s.error ? { ...s, loading: false } : { ...s, loading: false, error: e.message }));
      });
  }, [ticketId, subject]);
  useEffect(() => { load(); }, [load]);
  useLiveRefresh((e) => e.type === 'ticket_changed' && String(e.ticket_id) === String(ticketId), () => load(true));

  const link = async (a) => {
    setBusy(a.id);
    try {
      await api.post(path`/api/v1/tickets/${ticketId}/articles`, { article_id: a.id });
      notify.ok(`“${a.title}” linked to this ticket.`);
    } catch (e) {
      notify.error(e.message);
    } finally {
      setBusy(null);
      load(true);
    }
  };
  const unlink = async (a) => {
    setBusy(a.id);
    try {
      await api.del(path`/api/v1/tickets/${ticketId}/articles/${a.id}`);
      notify.ok(`“${a.title}” unlinked.`);
    } catch (e) {
      notify.error(e.message);
    } finally {
      setBusy(null);
      load(true);
    }
  };

  const { linked, suggested } = state;
  if (!staff && !state.loading && !state.error && linked.length === 0 && suggested.length === 0) return null;
  const linkedIds = new Set(linked.map((a) => a.id));

  const unlinkButton = (a) => staff && html`<button type="button" class="btn btn-sm btn-ghost kb-suggest-action"
      data-action="unlink-article" disabled=${busy === a.id} aria-label=${`Unlink ${a.title}`} title="Unlink from this ticket"
      onClick=${() => unlink(a)}>${busy === a.id ? html`<${Spinner} />` : html`<${Icon} name="x" size=${14} />`}</button>`;
  const linkButton = (a) => staff && html`<button type="button" class="btn btn-sm kb-suggest-action"
      data-action="link-article" disabled=${busy === a.id} aria-label=${`Link ${a.title}`} title="Link to this ticket"
      onClick=${() => link(a)}>${busy === a.id ? html`<${Spinner} />` : html`<${Icon} name="plus" size=${14} />`}Link</button>`;

  return html`<section class="card panel kb-suggest" id="ticket-kb" aria-busy=${state.loading ? 'true' : 'false'}>
    <div class="card-head">
      <h2>${staff ? 'Knowledge base' : 'Help articles'}</h2>
      ${state.loading && html`<${Spinner} />`}
    </div>
    ${state.error && html`<${LoadError} message=${state.error} onRetry=${() => load()} />`}
    ${(staff || linked.length > 0) && html`<h3 class="kb-suggest-head">Linked</h3>
      ${linked.length === 0
        ? html`<p class="muted kb-suggest-none" id="ticket-kb-linked-none">No articles linked yet.</p>`
        : html`<ul class="kb-suggest-list" id="ticket-kb-linked">
            ${linked.map((a) => html`<${ArticleItem} key=${a.id} article=${a} staff=${staff} action=${unlinkButton(a)} />`)}
          </ul>`}`}
    ${(staff || suggested.length > 0) && html`<h3 class="kb-suggest-head">${staff ? 'Suggested by the subject' : 'May help'}</h3>
      ${suggested.length === 0
        ? html`<p class="muted kb-suggest-none" id="ticket-kb-suggested-none">${state.loading ? 'Looking…' : 'No article matches the subject.'}</p>`
        : html`<ul class="kb-suggest-list" id="ticket-kb-suggested">
            ${suggested.map((a) => html`<${ArticleItem} key=${a.id} article=${a} staff=${staff} action=${linkButton(a)} />`)}
          </ul>`}`}
    ${staff && html`<${ArticleFinder} exclude=${linkedIds} busy=${busy} onLink=${link} />`}
  </section>`;
}

/** Staff: find any article by its words and link it. */
function ArticleFinder({ exclude, busy, onLink }) {
  const [q, setQ] = useState('');
  const term = useDebounced(q.trim(), 250);
  const [found, setFound] = useState({ loading: false, items: [], error: '' });
  useEffect(() => {
    if (!term) { setFound({ loading: false, items: [], error: '' }); return undefined; }
    const ctl = new AbortController();
    setFound((f) => ({ ...f, loading: true, error: '' }));
    api.get(withQuery('/api/v1/kb/articles', { q: term, limit: 6 }), { signal: ctl.signal })
      .then((d) => setFound({ loading: false, items: d.items, error: '' }))
      .catch((e) => { if (e.name !== 'AbortError') setFound({ loading: false, items: [], error: e.message }); });
    return () => ctl.abort();
  }, [term]);
  const items = found.items.filter((a) => !exclude.has(a.id));
  return html`<div class="kb-finder">
    <label class="sr-only" for="ticket-kb-find">Find an article to link</label>
    <div class="search kb-finder-search">
      <${Icon} name="search" />
      <input id="ticket-kb-find" type="search" class="input input-sm" placeholder="Find an article to link…"
        autocomplete="off" value=${q} onInput=${(e) => setQ(e.target.value)} />
      ${found.loading && html`<${Spinner} />`}
    </div>
    ${found.error && html`<p class="field-error" role="alert">${found.error}</p>`}
    ${term && !found.loading && !found.error && items.length === 0 && html`<p class="muted kb-suggest-none">No other article matches “${term}”.</p>`}
    ${items.length > 0 && html`<ul class="kb-suggest-list" id="ticket-kb-found">
      ${items.map((a) => html`<${ArticleItem} key=${a.id} article=${a} staff=${true}
        action=${html`<button type="button" class="btn btn-sm kb-suggest-action" data-action="link-article"
          disabled=${busy === a.id} aria-label=${`Link ${a.title}`} onClick=${() => { onLink(a); setQ(''); }}>
          ${busy === a.id ? html`<${Spinner} />` : html`<${Icon} name="plus" size=${14} />`}Link</button>`} />`)}
    </ul>`}
  </div>`;
}
