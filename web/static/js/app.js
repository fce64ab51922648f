// The app shell: hash routes (#/overview, #/chats/<id>, #/platforms, #/login), sign-in state,
// the live-status badge and the error banners.

import * as api from './api.js';
import { clearErrors, describe, notify, showError } from './alerts.js';
import * as live from './ws.js';
import { loadPlatforms } from './dom.js';
import * as chats from './pages/chats.js';
import * as login from './pages/login.js';
import * as overview from './pages/overview.js';
import * as platforms from './pages/platforms.js';

const PAGES = { login, overview, chats, platforms };
const WANTED = 'cahts.wanted';
const main = document.getElementById('main');
let current = null; // { name, view: { update?, destroy? } }
let flash = null; // an error to show on the next page (navigation clears the banners)

/** `#/chats/abc?x=1` → { name: 'chats', arg: 'abc', params }. */
function route() {
  const [path, search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [name, arg = null] = path.split('/');
  return { name: Object.hasOwn(PAGES, name) ? name : 'overview', arg, params: new URLSearchParams(search) };
}

function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

async function render() {
  const next = route();
  if (next.name !== 'login' && !api.signedIn()) {
    sessionStorage.setItem(WANTED, location.hash);
    go('#/login');
    return;
  }
  if (next.name === 'login' && api.signedIn()) {
    go('#/overview');
    return;
  }
  document.getElementById('topbar').hidden = next.name === 'login';
  for (const link of document.querySelectorAll('.nav a')) {
    link.toggleAttribute('aria-current', link.dataset.page === next.name);
  }
  if (current?.name === next.name && current.view?.update) {
    current.view.update(next);
    return;
  }
  current?.view?.destroy?.();
  clearErrors();
  if (flash) showError(flash);
  flash = null;
  main.replaceChildren();
  main.dataset.page = next.name;
  current = { name: next.name, view: null };
  try {
    if (next.name !== 'login') await loadPlatforms(api.get);
    current.view = await PAGES[next.name].render(main, next, { signedIn, go });
  } catch (error) {
    showError(error);
  }
}

function signedIn() {
  live.start();
  const wanted = sessionStorage.getItem(WANTED);
  sessionStorage.removeItem(WANTED);
  go(wanted && !wanted.startsWith('#/login') ? wanted : '#/overview');
}

function signedOut(reason) {
  live.stop();
  current?.view?.destroy?.();
  current = null;
  flash = reason;
  go('#/login');
}

// Slack links to PUBLIC_URL/conversations/<id>: open that conversation in the chats page.
const linked = location.pathname.match(/^\/conversations\/([0-9a-fA-F-]{36})$/);
if (linked) history.replaceState(null, '', `/#/chats/${linked[1]}`);

const badge = document.getElementById('live');
live.on('status', ({ state, text }) => {
  badge.dataset.state = state;
  badge.textContent = text;
});
live.on('failure', showError);
api.onSignedOut(signedOut);
window.addEventListener('unhandledrejection', (event) => showError(event.reason));
window.addEventListener('hashchange', render);
document.getElementById('logout').addEventListener('click', async () => {
  signedOut(null);
  try {
    await api.logout();
    notify('Signed out.');
  } catch (error) {
    showError(`Signed out here, but the server could not end the session: ${describe(error)}`);
  }
});

if (api.signedIn()) live.start();
render();
