// Owns: the knowledge base pages. The list (#/kb?q=&tag=&visibility=): full-text search ("/"),
// tag chips, the visibility filter (staff), "n" for a new article (staff), each article with the
// start of its text and when it changed; while searching, the tickets that match too. One article
// (#/kb/{id}, #/kb/new): the server-rendered body, tags, visibility, the tickets that link it
// (staff); the editor (staff): Markdown beside a live preview, saved with the version it was
// based on; when someone else saved meanwhile, it says so and takes their version in while
// keeping the draft; delete with a confirmation. Client contacts read client-visible articles.
//
// The article's `html` is the one place the UI inserts HTML: it is rendered and made safe by the
// server (raw HTML escaped, only http, https, mailto and relative addresses). Everything else,
// search snippets included, is text.
import { html, useState, useEffect, useRef, useCallback } from '../html.js';
import { api, path, withQuery } from '../api.js';
import { useList, useDebounced, useTitle, useSetCrumb, useUrlFilters, useFilterSearch, filtersHref } from '../hooks.js';
import { usePageShortcut } from '../shortcuts.js';
import { Icon } from '../components/icons.js';
import { ConfirmDialog } from '../components/dialog.js';
import { DataTable, LoadMore } from '../components/table.js';
import { Field, Empty, LoadError, PageHead, Spinner, SearchBox, Loading, Time } from '../components/ui.js';
import { notify } from '../components/toast.js';
import { plural, exactTime } from '../format.js';
import { VisibilityBadge, Snippet, articleHref } from '../components/kb-suggest.js';

const isStaff = (user) => user.role === 'admin' || user.role === 'technician';
const ticketHref = (id) => `#/tickets/${encodeURIComponent(id)}`;
const STATUS_LABELS = { new: 'New', open: 'Open', pending: 'Pending', resolved: 'Resolved', closed: 'Closed' };

// ---------- the list ----------

const FILTER_KEYS = ['q', 'tag', 'visibility'];

function tidyFilters(f) {
  if (f.visibility !== 'internal' && f.visibility !== 'client') f.visibility = '';
  return f;
}

/** The list's address for these filters. */
export const kbHash = (f) => filtersHref('#/kb', FILTER_KEYS, f);

/** The tags in use with their counts. */
function useTags() {
  const [state, setState] = useState({ loading: true, items: [], error: '' });
  useEffect(() => {
    let alive = true;
    api.get('/api/v1/kb/tags')
      .then((d) => alive && setState({ loading: false, items: d.items, error: '' }))
      .catch((e) => alive && setState({ loading: false, items: [], error: e.message }));
    return () => { alive = false; };
  }, []);
  return state;
}

/** Tags as chips; with `onPick`, each is a button that filters the list by it. */
function TagChips({ tags, active, onPick, id }) {
  if (!tags || tags.length === 0) return null;
  return html`<span class="tag-list kb-tags" id=${id}>${tags.map((t) => (onPick
    ? html`<button type="button" key=${t} class=${t === active ? 'chip kb-chip kb-chip-active' : 'chip kb-chip'} data-tag=${t}
        aria-pressed=${t === active ? 'true' : 'false'} title=${t === active ? 'Show every tag' : `Only articles tagged “${t}”`}
        onClick=${(e) => { e.stopPropagation(); onPick(t === active ? '' : t); }}>${t}</button>`
    : html`<a key=${t} class="chip kb-chip" data-tag=${t} href=${kbHash({ tag: t })}>${t}</a>`))}</span>`;
}

export function KbPage({ user, query }) {
  useTitle('Knowledge base');
  const staff = isStaff(user);
  const { filters, setFilters: setFilter, clearFilters } = useUrlFilters('#/kb', query, { keys: FILTER_KEYS, tidy: tidyFilters });
  const [q, setQ] = useFilterSearch(filters.q, (v) => setFilter({ q: v }, { replace: true }));
  const search = useRef(null);

  const list = useList('/api/v1/kb/articles', { q: filters.q, tag: filters.tag, visibility: staff ? filters.visibility : '' });
  const tags = useTags();
  usePageShortcut('/', () => search.current && search.current.focus());
  usePageShortcut('n', () => { if (staff) location.hash = '#/kb/new'; });

  const columns = [
    {
      key: 'title', label: 'Article', sort: (a) => a.title, class: 'kb-cell-title',
      render: (a) => html`<a class="cell-link strong" href=${articleHref(a.id)}>${a.title}</a>
        ${a.excerpt && html`<div class="cell-sub kb-excerpt">${a.excerpt}</div>`}`,
    },
    {
      key: 'tags', label: 'Tags', minor: true, class: 'kb-cell-tags',
      render: (a) => (a.tags.length ? html`<${TagChips} tags=${a.tags} active=${filters.tag} onPick=${(t) => setFilter({ tag: t })} />`
        : html`<span class="muted">—</span>`),
    },
  ];
  if (staff) {
    columns.push({
      key: 'visibility', label: 'Visibility', width: '120', sort: (a) => a.visibility,
      render: (a) => html`<${VisibilityBadge} visibility=${a.visibility} />`,
    });
    columns.push({ key: 'author', label: 'Author', minor: true, width: '140', sort: (a) => a.author || '', render: (a) => a.author || html`<span class="muted">—</span>` });
  }
  columns.push({ key: 'updated', label: 'Updated', width: '110', sort: (a) => a.updated_at, render: (a) => html`<${Time} value=${a.updated_at} />` });

  const narrowed = filters.q || filters.tag || filters.visibility;
  const empty = narrowed
    ? html`<${Empty} title="No articles match.">
        <button type="button" class="btn-link" onClick=${() => { setQ(''); clearFilters(); }}>Clear the search and filters</button>
        ${' '}to see every article.
      <//>`
    : html`<${Empty} icon="box" title="No articles yet.">
        ${staff ? html`Write down what you keep explaining: <a href="#/kb/new">write the first article</a>.`
          : 'Your service provider has not shared any articles yet.'}
      <//>`;
  const count = list.items.length;
  const sub = list.loading && !count ? 'Loading…'
    : `${plural(count, 'article')}${list.next ? ' shown (more below)' : ''}${narrowed ? ' matching' : ''}${filters.q ? ', best match first' : ''}`;

  return html`<section class="page" id="kb-page">
    <${PageHead} title="Knowledge base" sub=${sub}>
      ${staff && html`<a class="btn btn-primary" id="kb-new" href="#/kb/new" title="Write an article (n)"><${Icon} name="plus" />New article</a>`}
    <//>
    <div class="toolbar toolbar-wrap" id="kb-filters">
      <${SearchBox} id="kb-search" inputRef=${search} value=${q} onChange=${setQ} busy=${list.loading && count > 0}
        placeholder="Search articles and tickets" label="Search the knowledge base" />
      ${staff && html`<select id="kb-filter-visibility" class="input input-auto" aria-label="Visibility" value=${filters.visibility}
          onChange=${(e) => setFilter({ visibility: e.target.value })}>
        <option value="">Any visibility</option>
        <option value="internal">Internal</option>
        <option value="client">Client-visible</option>
      </select>`}
      ${filters.tag && !tags.items.some((t) => t.tag === filters.tag) && html`<span class="chip chip-filter" id="kb-filter-tag">Tag: ${filters.tag}
        <button type="button" class="chip-x" aria-label="Show every tag" onClick=${() => setFilter({ tag: '' })}><${Icon} name="x" size=${11} /></button></span>`}
    </div>
    ${tags.items.length > 0 && html`<div class="kb-tag-bar" id="kb-tag-bar" aria-label="Filter by tag">
      <${Icon} name="tag" size=${14} />
      ${tags.items.slice(0, 40).map((t) => html`<button type="button" key=${t.tag} data-tag=${t.tag}
          class=${t.tag === filters.tag ? 'chip kb-chip kb-chip-active' : 'chip kb-chip'} aria-pressed=${t.tag === filters.tag ? 'true' : 'false'}
          onClick=${() => setFilter({ tag: t.tag === filters.tag ? '' : t.tag })}>
        ${t.tag}<span class="kb-chip-count">${t.count}</span>
      </button>`)}
    </div>`}
    ${list.error && html`<${LoadError} message=${list.error} onRetry=${list.reload} />`}
    <div class=${filters.q ? 'kb-results kb-results-split' : 'kb-results'}>
      <div class="kb-results-main">
        <${DataTable} id="kb-table" label="Articles" columns=${columns} rows=${list.items} loading=${list.loading}
          empty=${empty} rowAttrs=${(a) => ({
            'data-article-id': a.id, 'data-visibility': a.visibility, class: 'row-link',
            onClick: (e) => { if (!e.target.closest('a, button, input') && !window.getSelection().toString()) location.hash = articleHref(a.id); },
          })} />
        <${LoadMore} list=${list} />
      </div>
      ${filters.q && html`<${TicketMatches} q=${filters.q} />`}
    </div>
    <p class="shortcut-line"><kbd>/</kbd> search${staff && html` · <kbd>n</kbd> new article`}</p>
  </section>`;
}

/** While searching: the tickets whose subject, description or comments match too. */
function TicketMatches({ q }) {
  const [state, setState] = useState({ loading: true, items: [], error: '' });
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true, error: '' }));
    api.get(withQuery('/api/v1/search', { q, limit: 8 }), { signal: ctl.signal })
      .then((d) => setState({ loading: false, items: d.tickets, error: '' }))
      .catch((e) => { if (e.name !== 'AbortError') setState({ loading: false, items: [], error: e.message }); });
    return () => ctl.abort();
  }, [q]);
  return html`<aside class="card panel kb-ticket-hits" id="kb-ticket-hits" aria-busy=${state.loading ? 'true' : 'false'}>
    <div class="card-head"><h2>Tickets</h2>${state.loading && html`<${Spinner} />`}</div>
    ${state.error ? html`<${LoadError} message=${state.error} />`
      : state.items.length === 0 ? html`<p class="muted">${state.loading ? 'Searching…' : 'No ticket matches.'}</p>`
      : html`<ul class="kb-hit-list">${state.items.map((t) => html`<li key=${t.id} data-ticket-id=${t.id}>
          <a class="kb-hit-title" href=${ticketHref(t.id)}><span class="muted tabular">#${t.id}</span> ${t.subject}</a>
          <div class="kb-hit-meta muted">${t.client} · ${STATUS_LABELS[t.status] || t.status} · ${t.priority}</div>
          ${t.snippet && html`<div class="kb-hit-snippet"><${Snippet} text=${t.snippet} /></div>`}
        </li>`)}</ul>`}
  </aside>`;
}

// ---------- one article ----------

export function KbArticlePage({ id, user }) {
  const staff = isStaff(user);
  const isNew = String(id) === 'new';
  const [state, setState] = useState({ loading: !isNew, article: null, error: null });
  const [editing, setEditing] = useState(isNew);
  const [deleting, setDeleting] = useState(false);
  const latest = useRef(0);
  const load = useCallback(() => {
    if (isNew) return;
    const mine = ++latest.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    api.get(path`/api/v1/kb/articles/${id}`)
      .then((article) => { if (mine === latest.current) setState({ loading: false, article, error: null }); })
      .catch((error) => { if (mine === latest.current) setState({ loading: false, article: null, error }); });
  }, [id]);
  useEffect(() => { load(); }, [load]);

  const a = state.article;
  useTitle(isNew ? 'New article' : a && a.title, 'Knowledge base');
  useSetCrumb(isNew ? 'New article' : a ? a.title : state.error ? (state.error.status === 404 ? 'Not found' : 'Article') : '');
  usePageShortcut('e', () => { if (staff && a && !editing) setEditing(true); });

  if (isNew && !staff) {
    return html`<section class="page"><${Empty} icon="box" title="Only your service provider's staff write articles.">
      <a href="#/kb">Back to the knowledge base</a><//></section>`;
  }
  if (isNew) {
    return html`<section class="page" id="kb-article-page" data-article-id="new">
      <${PageHead} title="New article" sub="Markdown on the left, how it will look on the right." />
      <${ArticleEditor} article=${null}
        onSaved=${(saved) => location.replace(articleHref(saved.id))}
        onCancel=${() => { location.hash = '#/kb'; }} />
    </section>`;
  }
  if (state.loading && !a) return html`<section class="page"><${Loading} /></section>`;
  if (state.error) {
    return html`<section class="page">${state.error.status === 404
      ? html`<${Empty} icon="box" title="This article does not exist.">
          It may have been deleted${staff ? '' : ', or it is not shared with you'}. <a href="#/kb">Back to the knowledge base</a>
        <//>`
      : html`<${LoadError} message=${state.error.message} onRetry=${load} />`}</section>`;
  }

  if (editing) {
    return html`<section class="page" id="kb-article-page" data-article-id=${a.id}>
      <${PageHead} title=${`Edit “${a.title}”`} sub="Markdown on the left, how it will look on the right." />
      <${ArticleEditor} article=${a}
        onSaved=${(saved) => { setState({ loading: false, article: saved, error: null }); setEditing(false); }}
        onCancel=${() => setEditing(false)} />
    </section>`;
  }

  const remove = async () => {
    await api.del(path`/api/v1/kb/articles/${a.id}`);
    notify.ok(`Article “${a.title}” deleted.`);
    location.hash = '#/kb';
  };

  return html`<section class="page" id="kb-article-page" data-article-id=${a.id} data-version=${a.version}>
    <div class="page-head">
      <div class="page-head-text">
        <div class="title-row">
          <h1 id="page-title">${a.title}</h1>
          ${staff && html`<span id="kb-article-visibility"><${VisibilityBadge} visibility=${a.visibility} /></span>`}
        </div>
        <div class="page-sub kb-article-meta">
          <span>Updated <${Time} value=${a.updated_at} />${a.author && html` · written by ${a.author}`}</span>
          <${TagChips} tags=${a.tags} id="kb-article-tags" />
        </div>
      </div>
      <div class="page-actions">
        <a class="btn btn-ghost" href="#/kb"><${Icon} name="list" />All articles</a>
        ${staff && html`<button type="button" class="btn btn-danger-ghost" id="kb-delete" onClick=${() => setDeleting(true)}>
          <${Icon} name="trash" />Delete</button>`}
        ${staff && html`<button type="button" class="btn btn-primary" id="kb-edit" title="Edit (e)" onClick=${() => setEditing(true)}>
          <${Icon} name="edit" />Edit</button>`}
      </div>
    </div>
    <div class=${staff ? 'kb-article-layout' : 'kb-article-layout kb-article-single'}>
      <article class="card">
        ${a.html.trim() ? html`<${ArticleBody} html=${a.html} id="kb-article-body" />`
          : html`<p class="muted" id="kb-article-body">This article has no text yet.</p>`}
      </article>
      ${staff && html`<aside class="card panel" id="kb-linked-tickets">
        <div class="card-head"><h2>Linked from tickets</h2><span class="panel-sub">${(a.linked_tickets || []).length}</span></div>
        ${(a.linked_tickets || []).length === 0
          ? html`<p class="muted">No ticket links this article yet. Link it from a ticket's Knowledge base panel.</p>`
          : html`<ul class="kb-hit-list">${a.linked_tickets.map((t) => html`<li key=${t.id} data-ticket-id=${t.id}>
              <a class="kb-hit-title" href=${ticketHref(t.id)}><span class="muted tabular">#${t.id}</span> ${t.subject}</a>
              <div class="kb-hit-meta muted">${STATUS_LABELS[t.status] || t.status}</div>
            </li>`)}</ul>`}
        <p class="card-note" title=${exactTime(a.created_at)}>Written <${Time} value=${a.created_at} /> · version ${a.version}</p>
      </aside>`}
    </div>
    ${deleting && html`<${ConfirmDialog} title="Delete this article?" confirmLabel="Delete article"
      message=${`“${a.title}” will be gone for everyone, and unlinked from ${plural((a.linked_tickets || []).length, 'ticket')}. This cannot be undone.`}
      onConfirm=${remove} onClose=${() => setDeleting(false)} />`}
  </section>`;
}

/**
 * The server-rendered, sanitized article HTML: the one place HTML goes into the page as HTML.
 * Links that leave Steward open in a new tab without access back to this one.
 */
function ArticleBody({ html: body, id }) {
  const ref = useRef(null);
  useEffect(() => {
    if (!ref.current) return;
    for (const link of ref.current.querySelectorAll('a[href]')) {
      if (/^(https?:)?\/\//i.test(link.getAttribute('href'))) {
        link.setAttribute('target', '_blank');
        link.setAttribute('rel', 'noopener noreferrer');
      }
    }
  }, [body]);
  return html`<div ref=${ref} class="kb-body" id=${id} dangerouslySetInnerHTML=${{ __html: body }}></div>`;
}

// ---------- the editor ----------

const FIELDS = ['title', 'body', 'visibility', 'tags'];

const tagsText = (tags) => (tags || []).join(', ');
const tagsList = (text) => text.split(',').map((t) => t.trim()).filter(Boolean);

/** The editable fields of an article (or of a new one). */
function fieldsOf(a) {
  return a ? { title: a.title, body: a.body, visibility: a.visibility, tags: tagsText(a.tags) }
    : { title: '', body: '', visibility: 'internal', tags: '' };
}

const same = (field, x, y) => (field === 'tags' ? tagsText(tagsList(x)) === tagsText(tagsList(y)) : x === y);

/**
 * The editor. `article` is what it edits (null: a new one). A save sends only the fields changed
 * here, with the version they were based on. When someone else saved meanwhile (409), their
 * version is shown; "Take their version in" moves the base to it: fields not touched here take
 * their values, the draft's changes stay, and the next save applies them on top of theirs.
 */
function ArticleEditor({ article, onSaved, onCancel }) {
  const [base, setBase] = useState(article); // the version the draft is based on
  const [original, setOriginal] = useState(() => fieldsOf(article)); // the fields as the draft found them
  const [draft, setDraft] = useState(() => fieldsOf(article));
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState('');
  const [busy, setBusy] = useState(false);
  const [conflict, setConflict] = useState(null); // the article as someone else saved it
  const [discarding, setDiscarding] = useState(false);
  const preview = usePreview(draft.body);

  const changed = FIELDS.filter((f) => !same(f, draft[f], original[f]));
  const dirty = changed.length > 0;
  const set = (field) => (e) => {
    const value = e.target.value;
    setDraft((d) => ({ ...d, [field]: value }));
    if (errors[field]) setErrors((x) => ({ ...x, [field]: '' }));
  };

  const save = async (e) => {
    if (e) e.preventDefault();
    if (busy) return;
    if (!draft.title.trim()) { setErrors({ title: 'Give the article a title.' }); return; }
    if (base && !dirty) {
      // Nothing to save: show the article as it is (after a conflict, as someone else saved it).
      if (base.html !== undefined) { onSaved(base); return; }
      setBusy(true);
      api.get(path`/api/v1/kb/articles/${base.id}`).then(onSaved, (err) => { setBusy(false); setFormError(err.message); });
      return;
    }
    setBusy(true);
    setErrors({});
    setFormError('');
    const body = {};
    for (const f of base ? changed : FIELDS) body[f] = f === 'tags' ? tagsList(draft.tags) : draft[f];
    try {
      const saved = base ? await api.patch(path`/api/v1/kb/articles/${base.id}`, { version: base.version, ...body })
        : await api.post('/api/v1/kb/articles', body);
      notify.ok(base ? 'Article saved.' : `Article “${saved.title}” written.`);
      onSaved(saved);
    } catch (err) {
      setBusy(false);
      if (err.status === 409 && err.detail && err.detail.version) {
        setConflict(err.detail);
      } else if (err.detail && err.detail.field) {
        setErrors({ [err.detail.field]: err.message });
      } else {
        setFormError(err.message);
      }
    }
  };

  // Someone else's version becomes the base; the draft keeps its own changes.
  const takeTheirs = () => {
    const theirs = fieldsOf(conflict);
    setDraft((d) => Object.fromEntries(FIELDS.map((f) => [f, same(f, d[f], original[f]) ? theirs[f] : d[f]])));
    setOriginal(theirs);
    setBase(conflict);
    setConflict(null);
    notify.ok(`Now based on version ${conflict.version}. Your changes are still here; save to apply them.`);
  };
  const discardMine = () => {
    setDraft(fieldsOf(conflict));
    setOriginal(fieldsOf(conflict));
    setBase(conflict);
    setConflict(null);
  };

  const onKeyDown = (e) => {
    if ((e.ctrlKey || e.metaKey) && (e.key === 's' || e.key === 'Enter')) { e.preventDefault(); save(); }
  };
  const cancel = () => (dirty ? setDiscarding(true) : onCancel());
  const bothChanged = conflict ? changed.filter((f) => !same(f, fieldsOf(conflict)[f], original[f])) : [];

  return html`<form class="kb-editor" id="kb-editor" onSubmit=${save} onKeyDown=${onKeyDown} novalidate>
    ${conflict && html`<div class="notice kb-conflict" id="kb-conflict" role="alert">
      <${Icon} name="alert" />
      <div>
        <p class="strong">Someone else saved this article while you were editing (it is at version ${conflict.version} now).</p>
        <p>Your draft was not saved and is still here.${bothChanged.length
          ? ` You both changed: ${bothChanged.join(', ')}. Their text is below; merge it into yours before saving.`
          : ' They changed other fields than you, so your changes can go on top of theirs.'}</p>
        ${bothChanged.includes('body') && html`<details class="kb-theirs" id="kb-conflict-theirs"><summary>Their body text</summary>
          <pre class="kb-theirs-text">${conflict.body}</pre></details>`}
        <div class="form-actions">
          <button type="button" class="btn btn-primary" id="kb-conflict-take" onClick=${takeTheirs}>Take their version in, keep my draft</button>
          <button type="button" class="btn" id="kb-conflict-discard" onClick=${discardMine}>Discard my draft</button>
        </div>
      </div>
    </div>`}
    <div class="kb-editor-grid">
      <div class="kb-editor-form">
        <${Field} label="Title" id="kb-title" error=${errors.title}>
          <input id="kb-title" class="input" value=${draft.title} maxlength="200" required autofocus=${!article}
            aria-invalid=${errors.title ? 'true' : undefined} onInput=${set('title')} />
        <//>
        <div class="form-grid">
          <${Field} label="Who can read it" id="kb-visibility" error=${errors.visibility}>
            <select id="kb-visibility" class="input" value=${draft.visibility} onChange=${set('visibility')}>
              <option value="internal">Internal: staff only</option>
              <option value="client">Client-visible: clients too</option>
            </select>
          <//>
          <${Field} label="Tags" id="kb-tags" optional hint="Separated by commas: a-z, 0-9, -, _ and spaces." error=${errors.tags}>
            <input id="kb-tags" class="input" value=${draft.tags} placeholder="printing, how-to" autocomplete="off"
              aria-invalid=${errors.tags ? 'true' : undefined} onInput=${set('tags')} />
          <//>
        </div>
        <${Field} label="Text" id="kb-body" error=${errors.body}
            hint="Markdown: # heading, **bold**, *italic*, - lists, [link](https://…), \`code\`, tables, - [ ] task lists. HTML shows as text.">
          <textarea id="kb-body" class="input kb-body-input" rows="22" value=${draft.body} spellcheck="true"
            aria-invalid=${errors.body ? 'true' : undefined} onInput=${set('body')}></textarea>
        <//>
      </div>
      <section class="kb-preview" id="kb-preview" aria-label="Preview" aria-busy=${preview.loading ? 'true' : 'false'}>
        <h3>Preview ${preview.loading && html`<${Spinner} />`}</h3>
        ${preview.error ? html`<p class="field-error" role="alert">${preview.error}</p>`
          : preview.html.trim() ? html`<${ArticleBody} html=${preview.html} id="kb-preview-body" />`
          : html`<p class="muted">The text shows here as readers will see it.</p>`}
      </section>
    </div>
    ${formError && html`<p class="form-error" id="kb-form-error" role="alert">${formError}</p>`}
    <div class="form-actions kb-editor-actions">
      <span class="muted kb-editor-state" id="kb-editor-state">${base
        ? `Based on version ${base.version} · ${dirty ? `unsaved changes: ${changed.join(', ')}` : 'no changes yet'}` : ''}</span>
      <button type="button" class="btn" id="kb-cancel" onClick=${cancel}>Cancel</button>
      <button type="submit" class="btn btn-primary" id="kb-save" disabled=${busy || !!conflict} aria-busy=${busy ? 'true' : 'false'}
          title="Save (Ctrl+S)">
        ${busy && html`<${Spinner} />`}${busy ? 'Saving…' : base ? 'Save' : 'Write article'}
      </button>
    </div>
    ${discarding && html`<${ConfirmDialog} title="Discard your changes?" confirmLabel="Discard changes"
      message="What you changed here is not saved and will be lost." onConfirm=${async () => onCancel()}
      onClose=${() => setDiscarding(false)} />`}
  </form>`;
}

/** The server's rendering of `body`, a moment after typing stops. */
function usePreview(body) {
  const text = useDebounced(body, 350);
  const [state, setState] = useState({ loading: false, html: '', error: '' });
  useEffect(() => {
    if (!text.trim()) { setState({ loading: false, html: '', error: '' }); return undefined; }
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    api.post('/api/v1/kb/preview', { body: text }, { signal: ctl.signal })
      .then((d) => setState({ loading: false, html: d.html, error: '' }))
      .catch((e) => { if (e.name !== 'AbortError') setState((s) => ({ ...s, loading: false, error: e.message })); });
    return () => ctl.abort();
  }, [text]);
  return state;
}
