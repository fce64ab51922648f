// The live socket /ws/messages/: authenticate, subscribe, dispatch events, reconnect with backoff.
//
// Events missed while the socket was down are not replayed, so after a reconnect listeners get
// a `resync` event and reload what they show. The server closes the socket (4401) when its
// access token expires, so a fresh token is sent (`authenticate` again) shortly before.

import { accessToken, refresh } from './api.js';

const PING_EVERY_MS = 25_000;
const PONG_WITHIN_MS = 10_000;
const MAX_BACKOFF_MS = 30_000;
const REAUTH_BEFORE_S = 30;

const listeners = new Map();
let socket = null;
let stopped = true;
let attempt = 0;
let everLive = false;
let refusals = 0;
let retryTimer = null;
let pingTimer = null;
let pongTimer = null;
let reauthTimer = null;
const sentTokens = new WeakMap(); // socket → the token it last authenticated with
const authenticated = new WeakSet();

/** Listen to one event type (`new_message`, `message_read`, …, `resync`, `status`). */
export function on(type, handler) {
  if (!listeners.has(type)) listeners.set(type, new Set());
  listeners.get(type).add(handler);
  return () => listeners.get(type)?.delete(handler);
}

function emit(type, frame) {
  for (const handler of listeners.get(type) ?? []) {
    try {
      handler(frame);
    } catch (error) {
      emit('failure', error);
    }
  }
}

function status(state, text) {
  emit('status', { state, text });
}

/** Open the socket (after sign-in). */
export function start() {
  if (!stopped) return;
  stopped = false;
  attempt = 0;
  everLive = false;
  connect();
}

/** Close it for good (sign-out). */
export function stop() {
  stopped = true;
  clearTimeout(retryTimer);
  clearTimers();
  if (socket) socket.close(1000, 'signed out');
  socket = null;
  status('off', 'offline');
}

function clearPings() {
  clearInterval(pingTimer);
  clearTimeout(pongTimer);
}

function clearTimers() {
  clearPings();
  clearTimeout(reauthTimer);
}

/** Send a fresh access token before the socket's one expires. */
function scheduleReauth(ws, seconds) {
  clearTimeout(reauthTimer);
  if (!Number.isFinite(seconds)) return;
  const wait = Math.max(1, seconds - REAUTH_BEFORE_S) * 1000;
  reauthTimer = setTimeout(() => reauthenticate(ws), wait);
}

async function reauthenticate(ws) {
  if (socket !== ws || ws.readyState !== WebSocket.OPEN) return;
  try {
    let token = await accessToken();
    if (token === sentTokens.get(ws)) {
      await refresh();
      token = await accessToken();
    }
    if (socket !== ws || ws.readyState !== WebSocket.OPEN) return;
    sentTokens.set(ws, token);
    ws.send(JSON.stringify({ type: 'authenticate', token }));
  } catch {
    // Not refreshed: the server closes the socket at expiry and closed() takes it from there.
  }
}

function url() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws/messages/`;
}

async function connect() {
  if (stopped) return;
  let token;
  try {
    token = await accessToken();
  } catch (error) {
    if (error.status === 401) {
      status('off', 'offline'); // signed out: app.js shows the sign-in form
      return;
    }
    emit('failure', error);
    retry(error.message);
    return;
  }
  if (stopped) return;
  status('connecting', 'connecting…');
  const ws = new WebSocket(url());
  socket = ws;
  sentTokens.set(ws, token);
  ws.addEventListener('open', () => ws.send(JSON.stringify({ type: 'authenticate', token })));
  ws.addEventListener('message', (event) => receive(ws, event));
  ws.addEventListener('close', (event) => closed(ws, event));
}

function receive(ws, event) {
  let frame;
  try {
    frame = JSON.parse(event.data);
  } catch {
    emit('failure', new Error('The live connection sent something unreadable.'));
    return;
  }
  if (frame.type === 'authenticated') {
    scheduleReauth(ws, frame.expires_in);
    if (authenticated.has(ws)) return; // a re-authentication: already subscribed
    authenticated.add(ws);
    refusals = 0;
    ws.send(JSON.stringify({ type: 'subscribe_messages' }));
  } else if (frame.type === 'subscribed') {
    const again = everLive;
    everLive = true;
    attempt = 0;
    status('live', 'live');
    keepAlive(ws);
    if (again) emit('resync', frame);
  } else if (frame.type === 'pong') {
    clearTimeout(pongTimer);
  } else if (frame.type === 'error') {
    emit('failure', new Error(`Live connection: ${frame.code} (${frame.message})`));
  } else {
    emit(frame.type, frame);
  }
}

function keepAlive(ws) {
  clearPings();
  // The browser never tells us about a silently dead connection: ask for a pong now and then.
  pingTimer = setInterval(() => {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({ type: 'ping' }));
    pongTimer = setTimeout(() => {
      ws.close(4000, 'no pong');
      closed(ws, { code: 4000, reason: 'the server stopped answering' });
    }, PONG_WITHIN_MS);
  }, PING_EVERY_MS);
}

async function closed(ws, event) {
  if (socket !== ws) return;
  socket = null;
  clearTimers();
  if (stopped) return;
  if (event.code === 4401) {
    refusals += 1;
    if (refusals > 2) {
      status('off', 'offline');
      emit('failure', new Error(`Live updates refused: ${event.reason || 'not signed in'}`));
      return;
    }
    try {
      await refresh();
    } catch (error) {
      if (error.status === 401) {
        status('off', 'offline');
        return;
      }
      emit('failure', error);
    }
  }
  retry(event.reason);
}

function retry(reason) {
  const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
  attempt += 1;
  const why = reason ? ` (${reason})` : '';
  status('reconnecting', `reconnecting in ${Math.ceil(delay / 1000)} s${why}`);
  clearTimeout(retryTimer);
  retryTimer = setTimeout(connect, delay);
}
