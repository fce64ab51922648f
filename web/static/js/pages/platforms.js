// Connected accounts (token expiry, last webhook, sync, disconnect) and the ways to connect more.

import { del, get, post, query } from '../api.js';
import { describe, notify, showError } from '../alerts.js';
import { PLATFORMS, ago, fill, h, platformIcon, platformName, until } from '../dom.js';
import * as live from '../ws.js';

const WARN_DAYS = 7;

function expiry(iso) {
  if (!iso) return h('span', {}, 'does not expire');
  const left = new Date(iso).getTime() - Date.now();
  const when = new Date(iso).toLocaleDateString();
  if (left <= 0) return h('span', { class: 'bad' }, `expired ${ago(iso)} (${when})`);
  const cls = left < WARN_DAYS * 86400_000 ? 'warn' : null;
  return h('span', { class: cls }, `in ${until(iso)} (${when})`);
}

function stateChip(account) {
  if (!account.is_active) return h('span', { class: 'chip off' }, 'disconnected');
  if (account.needs_attention) return h('span', { class: 'chip bad' }, 'needs attention');
  return h('span', { class: 'chip ok' }, 'connected');
}

function details(account) {
  const rows = [
    ['Account id', account.external_id],
    ['Token expires', expiry(account.token_expires_at)],
    ['Last webhook', ago(account.last_webhook_at)],
    ['Last synced', ago(account.last_synced_at)],
    ['Webhooks', account.subscription_ok === false ? h('span', { class: 'bad' }, 'not subscribed') : 'subscribed'],
  ];
  if (account.needs_attention && account.attention_reason) {
    rows.push(['Problem', h('span', { class: 'bad' }, account.attention_reason)]);
  }
  return h('dl', { class: 'facts' }, rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}

function whatsappForm(onConnected) {
  const problem = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const input = (label, props) => h('label', { class: 'field' }, h('span', {}, label), h('input', props));
  const form = h('form', { class: 'stack', 'aria-label': 'Connect WhatsApp' },
    input('Phone number id', { name: 'phone_number_id', required: true, inputmode: 'numeric', pattern: '[0-9]{1,64}', autocomplete: 'off' }),
    input('Access token (system user, whatsapp_business_messaging)', { name: 'access_token', type: 'password', required: true, autocomplete: 'off' }),
    input('WhatsApp Business Account id (optional)', { name: 'waba_id', inputmode: 'numeric', pattern: '[0-9]{1,64}', autocomplete: 'off' }),
    input('Name (optional)', { name: 'name', maxlength: 200, autocomplete: 'off' }),
    problem,
    h('button', { type: 'submit', class: 'primary' }, 'Connect WhatsApp'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button');
    button.disabled = true;
    problem.hidden = true;
    const body = {};
    for (const [key, value] of new FormData(form)) if (String(value).trim()) body[key] = String(value).trim();
    try {
      const account = await post('/api/platforms/whatsapp/connect', body);
      form.reset();
      notify(`WhatsApp ${account.name || account.external_id} is connected.`);
      onConnected();
    } catch (error) {
      problem.textContent = `Not connected: ${describe(error)}`;
      problem.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

// A form built from the platform's connect fields (GET /api/platforms/catalog).
function catalogForm(platform, onConnected) {
  const label = platformName(platform.name);
  const problem = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const fields = [...platform.connect_fields,
    { name: 'name', label: 'Name (optional)', hint: '', optional: true, max_length: 200 }];
  const form = h('form', { class: 'stack', 'aria-label': `Connect ${label}` },
    fields.map((field) => h('label', { class: 'field' }, h('span', {}, field.label),
      h('input', {
        name: field.name,
        type: field.secret ? 'password' : 'text',
        placeholder: field.hint || null,
        required: !field.optional,
        maxlength: field.max_length,
        autocomplete: 'off',
      }))),
    problem,
    h('button', { type: 'submit', class: 'primary' }, `Connect ${label}`));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button');
    button.disabled = true;
    problem.hidden = true;
    const body = {};
    for (const [key, value] of new FormData(form)) if (String(value).trim()) body[key] = String(value).trim();
    try {
      const account = await post(`/api/platforms/${encodeURIComponent(platform.name)}/connect`, body);
      form.reset();
      notify(`${label} ${account.name || account.external_id} is connected.`);
      onConnected();
    } catch (error) {
      problem.textContent = `Not connected: ${describe(error)}`;
      problem.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

export async function render(main, route) {
  const list = h('div', { class: 'accounts' });
  const syncing = new Set();
  const requested = new Set(); // syncs asked for here: only those are reported when done

  async function connect(platform, button) {
    button.disabled = true;
    try {
      const { url } = await post(`/api/platforms/${platform}/connect`);
      location.assign(url);
    } catch (error) {
      showError(`Cannot connect ${platformName(platform)}: ${describe(error)}`);
      button.disabled = false;
    }
  }

  async function act(button, work) {
    button.disabled = true;
    try {
      await work();
    } catch (error) {
      showError(error);
    } finally {
      button.disabled = false;
    }
  }

  function card(account) {
    const name = account.name || account.external_id;
    const sync = h('button', { type: 'button', class: 'secondary', disabled: !account.is_active || syncing.has(account.id) },
      syncing.has(account.id) ? 'Syncing…' : 'Sync now');
    sync.addEventListener('click', () => act(sync, async () => {
      await post(`/api/platforms/${account.id}/sync`);
      requested.add(account.id);
      notify(`Sync of ${name} queued.`);
    }));
    const drop = h('button', { type: 'button', class: 'danger', hidden: !account.is_active }, 'Disconnect');
    drop.addEventListener('click', () => act(drop, async () => {
      if (!confirm(`Disconnect ${platformName(account.platform)} ${name}? Its conversations stay.`)) return;
      await del(`/api/platforms/${account.id}`);
      notify(`${name} is disconnected.`);
      await load();
    }));
    return h('article', { class: 'card account', dataset: { accountId: account.id } },
      h('header', { class: 'account-head' }, platformIcon(account.platform, 32),
        h('div', {}, h('h3', {}, name), h('p', { class: 'muted small' }, platformName(account.platform))),
        stateChip(account)),
      details(account),
      h('div', { class: 'actions' }, sync, drop));
  }

  async function load() {
    const page = await get(`/api/platforms${query({ limit: 200 })}`);
    const items = [...page.items].sort((a, b) => Number(b.is_active) - Number(a.is_active));
    fill(list, items.length ? items.map(card)
      : h('p', { class: 'muted' }, 'No account connected yet: connect one below.'));
  }

  const catalog = [...PLATFORMS.values()];
  const oauthButtons = catalog.filter((p) => p.connect_method === 'oauth').map((p) => p.name).map((platform) => {
    const button = h('button', { type: 'button', class: 'connect' }, platformIcon(platform, 20), ` Connect ${platformName(platform)}`);
    button.addEventListener('click', () => connect(platform, button));
    return button;
  });

  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Platforms'),
      h('p', { class: 'muted' }, 'The accounts whose messages come into this inbox.')),
    list,
    h('div', { class: 'grid two' },
      h('section', { class: 'card' }, h('h2', {}, 'Messenger and Instagram'),
        h('p', { class: 'muted' }, 'Sign in with Facebook and choose the Pages (and their Instagram accounts) to connect.'),
        h('div', { class: 'actions' }, oauthButtons)),
      h('section', { class: 'card' }, h('h2', {}, 'WhatsApp'),
        h('p', { class: 'muted' }, 'From Meta Business Suite: the phone number id and a system-user token.'),
        whatsappForm(() => load().catch(showError))),
      catalog.filter((p) => p.connect_fields.length).map((p) =>
        h('section', { class: 'card', dataset: { platform: p.name } }, h('h2', {}, p.label),
          p.note ? h('p', { class: 'muted' }, p.note) : null,
          catalogForm(p, () => load().catch(showError))))));

  // Facebook Login sends the browser back to #/platforms?connected=N (or ?error=…).
  const connected = route.params.get('connected');
  if (connected !== null) notify(`Connected ${Number(connected) || 0} account(s).`);
  if (route.params.get('error')) showError(`Facebook Login: ${route.params.get('error')}`);
  if (connected !== null || route.params.has('error')) history.replaceState(null, '', '#/platforms');

  const reload = () => load().catch(showError);
  const stops = [
    live.on('platform_connected', reload),
    live.on('account_attention', reload),
    live.on('resync', reload),
    live.on('sync_started', (frame) => {
      syncing.add(frame.account_id);
      reload();
    }),
    live.on('sync_completed', (frame) => {
      syncing.delete(frame.account_id);
      if (requested.delete(frame.account_id)) {
        if (frame.status === 'failed') showError(`Sync failed: ${frame.error || 'unknown error'}`);
        else if (frame.status === 'not_supported') notify('WhatsApp keeps no history to sync.');
        else notify(`Sync finished: ${frame.stored} new message(s).`);
      }
      reload();
    }),
  ];
  await load().catch(showError);
  return {
    destroy() {
      for (const stop of stops) stop();
    },
  };
}
