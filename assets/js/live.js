// Owns: live updates. One EventSource on /api/v1/events for the whole app (the session cookie
// authenticates it), opened while someone is logged in and closed on logout. Pages subscribe
// with useLiveRefresh(): a matching event refreshes what they show, at most about once a second
// per page. The top bar shows the connection with useLiveStatus().
//
// The browser's EventSource reconnects by itself after a dropped connection; when it gives up
// (an HTTP error such as a restarting server), we open a new one after a growing pause. Events
// missed while disconnected are not replayed, so on every reconnect each page refreshes once
// (the same as the server's "resync" event after a slow page missed some).
import { useState, useEffect, useRef } from './html.js';
import { api } from './api.js';

const URL = '/api/v1/events';
const subscribers = new Set();
const statusListeners = new Set();
let source = null;
let status = 'off'; // off | connecting | open | down
let wanted = false;
let retryTimer = null;
let retryDelay = 2000;
let everOpened = false;

function setStatus(next) {
  if (status === next) return;
  status = next;
  for (const fn of statusListeners) fn(next);
}

function dispatch(event) {
  for (const fn of [...subscribers]) {
    try { fn(event); } catch (e) { console.error('live update handler failed', e); }
  }
}

function open() {
  clearTimeout(retryTimer);
  retryTimer = null;
  if (!wanted || source) return;
  setStatus('connecting');
  const es = new EventSource(URL);
  source = es;
  es.onopen = () => {
    if (source !== es) return;
    retryDelay = 2000;
    setStatus('open');
    if (everOpened) dispatch({ type: 'resync' }); // we may have missed events while away
    everOpened = true;
  };
  es.onmessage = (m) => {
    if (source !== es) return;
    let data;
    try { data = JSON.parse(m.data); } catch { return; }
    if (data && typeof data.type === 'string') dispatch(data);
  };
  es.onerror = () => {
    if (source !== es) return;
    setStatus('down');
    if (es.readyState === EventSource.CLOSED) {
      // The browser gave up on this one (an HTTP error answer): try again later ourselves. The
      // error may be an ended session, which EventSource cannot tell us: one API call finds out
      // (a 401 there logs the app out, which stops the stream).
      source = null;
      es.close();
      api.get('/api/v1/me').catch(() => {});
      if (wanted) {
        retryTimer = setTimeout(open, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 30000);
      }
    }
  };
}

/** Opens the stream (after login). */
export function startLive() {
  wanted = true;
  everOpened = false;
  open();
}

/** Closes the stream (on logout, or when the session ended). */
export function stopLive() {
  wanted = false;
  clearTimeout(retryTimer);
  retryTimer = null;
  if (source) { source.close(); source = null; }
  setStatus('off');
}

/** 'connecting' | 'open' | 'down' | 'off', re-rendering on change. */
export function useLiveStatus() {
  const [value, setValue] = useState(status);
  useEffect(() => {
    statusListeners.add(setValue);
    setValue(status);
    return () => statusListeners.delete(setValue);
  }, []);
  return value;
}

/**
 * Calls `refresh(events)` when live events for which `match(event)` is true arrive, at most once
 * per `gap` ms (the first at once, the rest batched). A "resync" always matches. While the browser
 * tab is hidden nothing runs; one refresh follows when it is shown again.
 */
export function useLiveRefresh(match, refresh, gap = 1000) {
  const matchRef = useRef(match);
  const refreshRef = useRef(refresh);
  matchRef.current = match;
  refreshRef.current = refresh;
  useEffect(() => {
    let last = 0;
    let timer = null;
    let pending = [];
    let alive = true;
    const run = () => {
      timer = null;
      if (!alive || pending.length === 0) return;
      if (document.hidden) return; // picked up by the visibilitychange handler
      const batch = pending;
      pending = [];
      last = Date.now();
      refreshRef.current(batch);
    };
    const schedule = () => {
      if (timer) return;
      const wait = Math.max(0, last + gap - Date.now());
      if (wait === 0 && !document.hidden) run();
      else timer = setTimeout(run, wait);
    };
    const onEvent = (e) => {
      if (e.type !== 'resync' && !matchRef.current(e)) return;
      pending.push(e);
      schedule();
    };
    const onVisible = () => { if (!document.hidden && pending.length) schedule(); };
    subscribers.add(onEvent);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      alive = false;
      clearTimeout(timer);
      subscribers.delete(onEvent);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [gap]);
}
