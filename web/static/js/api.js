// api.js — the one door to cf-web's JSON API (docs/openapi.yaml).
// Keeps the session (user + CSRF token) and sends X-CSRF-Token on every
// state-changing request, as the API requires.

// The API's messages are lower-case fragments ("username not available");
// on the page they read as sentences.
function sentence(m) {
  const t = String(m).trim();
  if (!t) return t;
  return t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
}

export class ApiError extends Error {
  constructor(status, message, retryAfter) {
    super(sentence(message));
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

export const session = { user: null, csrf: '' };
const listeners = new Set();

export function onSession(fn) { listeners.add(fn); }
function changed() { for (const fn of listeners) fn(session); }

export async function loadSession() {
  const s = await request('GET', '/api/session');
  setSession(s);
  return session;
}

export function setSession(s) {
  session.user = (s && s.user) || null;
  session.csrf = (s && s.csrf_token) || session.csrf;
  changed();
}

// Words for statuses whose JSON error may be missing (proxy, network).
const fallback = {
  400: 'The request was not valid.',
  401: 'Please log in first.',
  403: 'You are not allowed to do that.',
  404: 'Not found.',
  409: 'That conflicts with the current state; reload and try again.',
  413: 'That is too large.',
  429: 'Too many attempts; wait a little and try again.',
  500: 'The server failed; try again later.',
  503: 'The service is unavailable; try again later.',
};

export async function request(method, path, body, { raw = false } = {}) {
  const headers = { Accept: 'application/json' };
  const opts = { method, headers, credentials: 'same-origin' };
  if (method !== 'GET' && method !== 'HEAD') {
    if (!session.csrf && path !== '/api/session') {
      // A state change before we know the token: fetch it first.
      try { await loadSession(); } catch { /* reported by the request below */ }
    }
    headers['X-CSRF-Token'] = session.csrf || 'none';
  }
  if (body instanceof FormData) {
    opts.body = body; // the browser sets the multipart boundary
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, opts);
  } catch {
    throw new ApiError(0, 'Cannot reach the server. Check your connection and try again.');
  }
  if (raw && res.ok) return res;
  let data = null;
  const type = res.headers.get('Content-Type') || '';
  if (res.status !== 204 && type.includes('application/json')) {
    try { data = await res.json(); } catch { data = null; }
  }
  if (!res.ok) {
    let message = (data && typeof data.error === 'string' && data.error) || fallback[res.status] || `Request failed (${res.status}).`;
    const retry = res.headers.get('Retry-After');
    if (res.status === 429 && retry) message = `${sentence(message)} Try again in ${retry} s.`;
    if (res.status === 401 && session.user && path !== '/api/login' && path !== '/api/account/password') {
      // The session ended elsewhere (password changed, expired).
      setSession({ user: null, csrf_token: session.csrf });
    }
    if (res.status === 403 && /csrf/i.test(message)) {
      // A new session means a new token: refresh it for the next try.
      loadSession().catch(() => {});
      message = 'Your session changed. Please try again.';
    }
    throw new ApiError(res.status, message, retry);
  }
  return data;
}

export const api = {
  get: (p) => request('GET', p),
  post: (p, b) => request('POST', p, b === undefined ? {} : b),
  patch: (p, b) => request('PATCH', p, b),
  put: (p, b) => request('PUT', p, b),
  del: (p) => request('DELETE', p),
  text: async (p) => (await request('GET', p, undefined, { raw: true })).text(),
};

// Query string from an object, skipping empty values.
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}

// Cached catalogue: games rarely change while a page is open.
let gamesCache = null;
export async function games() {
  if (!gamesCache) gamesCache = api.get('/api/games').then((r) => r.games || []).catch((e) => { gamesCache = null; throw e; });
  return gamesCache;
}
const gameCache = new Map();
export async function game(name) {
  if (!gameCache.has(name)) {
    gameCache.set(name, api.get(`/api/games/${encodeURIComponent(name)}`).catch((e) => { gameCache.delete(name); throw e; }));
  }
  return gameCache.get(name);
}
