// The REST client: bearer tokens, refresh before expiry and on 401, 429 handling, JSON errors.
//
// The token pair lives in memory and in sessionStorage (this tab only, gone when it closes).
// Refresh tokens rotate and a reused one ends the session, so one refresh runs at a time.

const STORE = 'cahts.session';
const REFRESH_EARLY_MS = 60_000;
const AUTO_RETRY_429_S = 5;
const ENDED = 'Your session has ended. Please sign in again.';

let session = load();
let refreshing = null;
let timer = null;
const signedOutHandlers = new Set();

/** An API answer other than 2xx, or no answer at all (status 0). */
export class ApiError extends Error {
  constructor(status, code, message, field = null, retryAfter = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfter = retryAfter;
  }
}

function load() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORE) ?? 'null');
    return saved && saved.access && saved.refresh ? saved : null;
  } catch {
    return null;
  }
}

function save(pair) {
  session = {
    access: pair.access,
    refresh: pair.refresh,
    expiresAt: Date.now() + pair.expires_in * 1000,
  };
  sessionStorage.setItem(STORE, JSON.stringify(session));
  schedule();
}

function forget() {
  session = null;
  clearTimeout(timer);
  sessionStorage.removeItem(STORE);
}

function schedule() {
  clearTimeout(timer);
  if (!session) return;
  const wait = Math.max(5_000, session.expiresAt - Date.now() - REFRESH_EARLY_MS);
  timer = setTimeout(() => refresh().catch(() => {}), wait); // a failure signs out (below)
}

function endSession(reason) {
  forget();
  for (const handler of signedOutHandlers) handler(reason);
}

/** Call `handler(reason)` when the session ends without the user asking (refresh refused). */
export function onSignedOut(handler) {
  signedOutHandlers.add(handler);
}

export function signedIn() {
  return session !== null;
}

async function parse(response) {
  if (response.ok) {
    if (response.status === 204) return null;
    const type = response.headers.get('Content-Type') ?? '';
    return type.includes('application/json') ? response.json() : response.blob();
  }
  const retryAfter = Number.parseInt(response.headers.get('Retry-After') ?? '', 10) || null;
  let error = null;
  try {
    error = (await response.json()).error;
  } catch {
    // not JSON (a proxy's error page): described below from the status
  }
  if (response.status === 429 && !error?.message) {
    const wait = retryAfter ? ` in ${retryAfter} s` : ' later';
    error = { code: 'rate_limited', message: `Too many requests; try again${wait}.` };
  }
  const message = error?.message || `The server answered ${response.status} ${response.statusText}`;
  return Promise.reject(
    new ApiError(response.status, error?.code ?? `http_${response.status}`, message,
      error?.field ?? null, retryAfter),
  );
}

async function send(method, path, body, token) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    return await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection and retry.');
  }
}

/** Trade the refresh token for a new pair; concurrent callers share one request. */
export function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      const token = session?.refresh;
      if (!token) throw new ApiError(401, 'signed_out', 'Please sign in.');
      try {
        save(await parse(await send('POST', '/api/auth/refresh', { refresh: token })));
      } catch (error) {
        if (error.status !== 401) throw error;
        endSession(ENDED);
        throw new ApiError(401, 'signed_out', ENDED);
      }
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

/** A valid access token, refreshed first when it is about to expire. */
export async function accessToken() {
  if (!session) throw new ApiError(401, 'signed_out', 'Please sign in.');
  if (session.expiresAt - Date.now() < 10_000) await refresh();
  return session.access;
}

/** Call the API with the session's token; JSON (or a Blob for images) back, ApiError thrown. */
export async function api(method, path, body) {
  let response = await send(method, path, body, await accessToken());
  if (response.status === 401 && session) {
    await refresh();
    response = await send(method, path, body, session.access);
    if (response.status === 401) {
      endSession(ENDED);
      throw new ApiError(401, 'signed_out', ENDED);
    }
  }
  if (response.status === 429 && method === 'GET') {
    const wait = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
    if (wait >= 0 && wait <= AUTO_RETRY_429_S) {
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
      response = await send(method, path, body, session?.access);
    }
  }
  return parse(response);
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body);
export const patch = (path, body) => api('PATCH', path, body);
export const del = (path) => api('DELETE', path);

/** A query string from an object, skipping empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export async function login(email, password) {
  save(await parse(await send('POST', '/api/auth/login', { email, password })));
}

export async function register(fields) {
  return parse(await send('POST', '/api/auth/register', fields));
}

/** Forget the session here, then end it on the server. */
export async function logout() {
  const token = session?.refresh;
  forget();
  if (token) await parse(await send('POST', '/api/auth/logout', { refresh: token }));
}

schedule();
