// Owns: every HTTP call the UI makes. JSON in and out, the CSRF header on unsafe methods,
// turning any failure into an ApiError whose message is a sentence fit to show the user, and
// telling the app when the session has ended (any 401 outside the login call).

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

let csrfToken = null;
let unauthorizedHandler = () => {};

export function setCsrfToken(token) { csrfToken = token || null; }
export function onUnauthorized(handler) { unauthorizedHandler = handler; }

export class ApiError extends Error {
  constructor(status, message, detail) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.detail = detail || null;
  }
}

// Used only when the server's answer carries no {"error": "..."} sentence (a proxy error page, say).
function fallbackSentence(status) {
  if (status === 0) return 'Cannot reach the Steward server. Check your connection and try again.';
  if (status === 401) return 'Your session has ended. Log in again.';
  if (status === 403) return 'You do not have permission to do that.';
  if (status === 404) return 'That item no longer exists.';
  if (status === 409) return 'That conflicts with an existing item.';
  if (status === 429) return 'Too many attempts. Wait a minute and try again.';
  if (status >= 500) return 'The server hit an error. Try again; if it keeps happening, check the server log.';
  return `The request failed (HTTP ${status}).`;
}

/**
 * `signal` (an AbortSignal) stops the caller waiting: the promise rejects with an AbortError at
 * once. The request itself is not cancelled on the wire; its answer, when it comes, is dropped.
 * Superseded reads (a search typed further, a page left) are small, and a request cancelled
 * half-way makes the server abandon work in the middle, which buys nothing here.
 */
function request(method, path, body, { signal } = {}) {
  const sent = send(method, path, body);
  if (!signal) return sent;
  sent.catch(() => {}); // a dropped answer's failure is nobody's business
  if (signal.aborted) return Promise.reject(new DOMException('The request was superseded.', 'AbortError'));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new DOMException('The request was superseded.', 'AbortError'));
    signal.addEventListener('abort', onAbort, { once: true });
    sent.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function send(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (UNSAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(path, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, fallbackSentence(0));
  }
  const text = res.status === 204 ? '' : await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/auth/login')) unauthorizedHandler();
    const sentence = data && typeof data.error === 'string' && data.error ? data.error : fallbackSentence(res.status);
    throw new ApiError(res.status, sentence, data && data.detail);
  }
  return data;
}

/** Appends the non-empty entries of `params` as a query string. */
export function withQuery(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** Builds a path from fixed parts and ids, escaping the ids. */
export const path = (strings, ...ids) =>
  strings.reduce((acc, s, i) => acc + s + (i < ids.length ? encodeURIComponent(ids[i]) : ''), '');

export const api = {
  get: (p, opts) => request('GET', p, undefined, opts),
  post: (p, body = {}, opts) => request('POST', p, body, opts),
  patch: (p, body, opts) => request('PATCH', p, body, opts),
  put: (p, body, opts) => request('PUT', p, body, opts),
  del: (p, opts) => request('DELETE', p, undefined, opts),
};
