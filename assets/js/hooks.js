// Owns: the hooks pages share: paged lists from the API (useList), the client list for selects
// (useClientOptions), list filters kept in the address (useUrlFilters, useFilterSearch), a clock
// that re-renders relative times (useNow), debouncing (useDebounced), the page title (useTitle)
// and the top bar's last breadcrumb (useSetCrumb / useCrumb).
import { useState, useEffect, useRef, useCallback, useMemo } from './html.js';
import { api, withQuery } from './api.js';

/**
 * Loads `path` with `query` (re-loading when either changes) and follows next_cursor on loadMore().
 * Earlier rows stay visible while a new query loads, so the table does not flash.
 * refresh() re-reads quietly (no loading state) as many rows as are shown, for live updates.
 */
export function useList(path, query = {}) {
  const [state, setState] = useState({ items: [], next: null, loading: true, more: false, error: '' });
  const key = withQuery(path, query);
  const inflight = useRef(null);
  const again = useRef(false);
  const shown = useRef(0);
  shown.current = state.items.length;
  const load = useCallback(async (cursor, quiet = false) => {
    // A refresh while a load is on its way runs after it, so a change made meanwhile is not missed.
    if (quiet && inflight.current) { again.current = true; return; }
    if (inflight.current) inflight.current.abort();
    const ctl = new AbortController();
    inflight.current = ctl;
    if (!quiet) setState((s) => ({ ...s, loading: !cursor, more: !!cursor, error: '' }));
    const params = quiet ? { ...query, limit: Math.min(500, Math.max(50, shown.current)) } : { ...query, cursor };
    try {
      const data = await api.get(withQuery(path, params), { signal: ctl.signal });
      setState((s) => ({
        items: cursor ? [...s.items, ...data.items] : data.items,
        next: data.next_cursor || null, loading: false, more: false, error: '', loaded: true,
      }));
    } catch (e) {
      if (e.name === 'AbortError') return;
      if (quiet) return; // a failed background refresh keeps what is shown; the next one may work
      setState((s) => ({ ...s, loading: false, more: false, error: e.message }));
    } finally {
      if (inflight.current === ctl) {
        inflight.current = null;
        if (again.current) { again.current = false; load(null, true); }
      }
    }
  }, [key]);
  useEffect(() => {
    load(null);
    return () => inflight.current && inflight.current.abort();
  }, [load]);
  return {
    ...state,
    reload: () => load(null),
    refresh: () => load(null, true),
    loadMore: () => state.next && load(state.next),
    /** Swaps in an item the server sent back after an edit, without re-loading the list. */
    replace: (item) => setState((s) => ({ ...s, items: s.items.map((x) => (x.id === item.id ? item : x)) })),
  };
}

/** The clients for a client select (up to 500, by name), fetched when the calling component mounts. */
export function useClientOptions() {
  const [state, setState] = useState({ loading: true, items: [], error: '' });
  useEffect(() => {
    let alive = true;
    api.get(withQuery('/api/v1/clients', { limit: 500 }))
      .then((d) => alive && setState({ loading: false, items: d.items, error: '' }))
      .catch((e) => alive && setState({ loading: false, items: [], error: e.message }));
    return () => { alive = false; };
  }, []);
  return state;
}

/**
 * The address of a list with these filters: `page` ("#/devices") and the non-empty `keys` of `f`
 * in that order, leaving out a value equal to its entry in `defaults` (the tab a page opens on).
 */
export function filtersHref(page, keys, f, defaults = {}) {
  const p = new URLSearchParams();
  for (const k of keys) if (f[k] && f[k] !== defaults[k]) p.set(k, f[k]);
  const qs = p.toString();
  return qs ? `${page}?${qs}` : page;
}

/**
 * A list's filters kept in the address (#/devices?client_id=3&online=false), so a filtered list
 * can be bookmarked and linked to, survives a reload, and Back returns to the filters before.
 * `query` is the route's query string. Each of `keys` is read trimmed ('' when absent); `tidy(f,
 * params)` then drops what makes no sense and fills in defaults (it may read other `params`).
 * Answers `{ filters, setFilters, clearFilters, hrefOf }`. `setFilters(changes)` makes a new
 * history entry; `{ replace: true }` rewrites the current one instead (typing in a search box,
 * where Back should not step through every pause). `hrefOf(f)` is the address of other filters.
 */
export function useUrlFilters(page, query, { keys, tidy = (f) => f, defaults = {} }) {
  const filters = useMemo(() => {
    const params = new URLSearchParams(query || '');
    const f = {};
    for (const k of keys) f[k] = (params.get(k) || '').trim();
    return tidy(f, params);
  }, [page, query]);
  const hrefOf = (f) => filtersHref(page, keys, f, defaults);
  const go = (hash, replace) => {
    if (location.hash === hash) return;
    if (replace) location.replace(hash);
    else location.hash = hash;
  };
  return {
    filters,
    hrefOf,
    setFilters: (changes, { replace = false } = {}) => go(hrefOf({ ...filters, ...changes }), replace),
    /** Drops every filter but those in `keep` (the tab the list is on, say). */
    clearFilters: (keep = {}) => go(hrefOf(keep), false),
  };
}

/**
 * The text of a search box over the filter `value`: what is typed shows at once and goes to
 * `onSettled` after a pause of `ms`; a change of `value` from elsewhere (Back, a link) shows in the box.
 * Answers `[text, setText]`.
 */
export function useFilterSearch(value, onSettled, ms = 250) {
  const [text, setText] = useState(value);
  const settled = useDebounced(text.trim(), ms);
  useEffect(() => { if (settled !== value) onSettled(settled); }, [settled]);
  useEffect(() => { if (value !== text.trim()) setText(value); }, [value]);
  return [text, setText];
}

const tickers = new Set();
setInterval(() => { const now = Date.now(); for (const fn of tickers) fn(now); }, 30e3);

/** The current time, refreshed every 30 s, so "3 min ago" stays true. */
export function useNow() {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    tickers.add(setNow);
    return () => tickers.delete(setNow);
  }, []);
  return now;
}

/** `value`, but only after it stopped changing for `ms`. */
export function useDebounced(value, ms = 250) {
  const [out, setOut] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setOut(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return out;
}

/** Sets the document title to "<parts> · Steward". */
export function useTitle(...parts) {
  const title = [...parts.filter(Boolean), 'Steward'].join(' · ');
  useEffect(() => { document.title = title; }, [title]);
}

// The last breadcrumb in the top bar (e.g. the client's name), set by the page that knows it.
let crumb = '';
const crumbListeners = new Set();

/** Shows `label` as the last breadcrumb while the calling page is mounted. */
export function useSetCrumb(label) {
  useEffect(() => {
    crumb = label || '';
    for (const fn of crumbListeners) fn(crumb);
  }, [label]);
  useEffect(() => () => { crumb = ''; for (const fn of crumbListeners) fn(''); }, []);
}

export function useCrumb() {
  const [value, setValue] = useState(crumb);
  useEffect(() => {
    crumbListeners.add(setValue);
    return () => crumbListeners.delete(setValue);
  }, []);
  return value;
}
