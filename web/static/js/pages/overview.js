// Today's and the last 7 days' figures, the server-rendered SVG charts, the live unread state.

import { get, query } from '../api.js';
import { showError } from '../alerts.js';
import { duration, fill, h, platformIcon, platformName } from '../dom.js';
import * as live from '../ws.js';

const DAYS = 7;
const CHARTS = [
  { kind: 'daily', title: `Messages per day (last ${DAYS} days)` },
  { kind: 'platform', title: `Messages per platform (last ${DAYS} days)` },
  { kind: 'response', title: `First response time per platform (last ${DAYS} days)` },
];

function tile(label, value, hint) {
  return h('div', { class: 'tile' },
    h('span', { class: 'tile-label' }, label),
    h('strong', { class: 'tile-value' }, value),
    hint ? h('span', { class: 'tile-hint' }, hint) : null);
}

function periodTiles(title, stats, testid) {
  return h('section', { class: 'card', 'data-testid': testid },
    h('h2', {}, title),
    h('div', { class: 'tiles' },
      tile('Messages in', stats.messages_in),
      tile('Messages out', stats.messages_out),
      tile('New conversations', stats.new_conversations),
      tile('Median first response', duration(stats.median_first_response_seconds),
        stats.p90_first_response_seconds === null ? null
          : `90% within ${duration(stats.p90_first_response_seconds)}`)));
}

function inboxTiles(stats) {
  return h('section', { class: 'card', 'data-testid': 'inbox-now' },
    h('h2', {}, 'Inbox now'),
    h('div', { class: 'tiles' },
      tile('Unread conversations', stats.unread_conversations),
      tile('Unread messages', stats.unread_messages),
      tile('Conversations', stats.conversations),
      tile('Active accounts', stats.active_accounts)),
    h('p', {}, h('a', { href: '#/chats' }, 'Open the chats →')));
}

function platformTable(rows) {
  if (!rows.length) return h('p', { class: 'muted' }, 'No platform connected yet.');
  const head = ['Platform', 'Messages', 'In', 'Out', 'New conversations', 'Median response', '90% within'];
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, head.map((label) => h('th', { scope: 'col' }, label)))),
    h('tbody', {}, rows.map((row) => h('tr', {},
      h('th', { scope: 'row' }, platformIcon(row.platform, 16), ' ', platformName(row.platform)),
      h('td', {}, row.total_messages),
      h('td', {}, row.messages_in),
      h('td', {}, row.messages_out),
      h('td', {}, row.new_conversations),
      h('td', {}, duration(row.median_first_response_seconds)),
      h('td', {}, duration(row.p90_first_response_seconds)))))));
}

export async function render(main) {
  const urls = [];
  const figures = h('div', { class: 'charts' });
  const numbers = h('div', { class: 'grid' });
  const perPlatform = h('section', { class: 'card' }, h('h2', {}, `Per platform (last ${DAYS} days)`));
  main.append(
    h('div', { class: 'page-head' },
      h('h1', {}, 'Overview'),
      h('p', { class: 'muted' }, 'Figures are recomputed every hour; unread counts are live.')),
    numbers, figures, perPlatform);

  async function loadNumbers() {
    const [today, week] = await Promise.all([
      get(`/api/analytics/stats${query({ days: 1 })}`),
      get(`/api/analytics/stats${query({ days: DAYS })}`),
    ]);
    fill(numbers, periodTiles('Today', today, 'today'),
      periodTiles(`Last ${DAYS} days`, week, 'week'), inboxTiles(week));
  }

  async function loadChart({ kind, title }) {
    const img = h('img', { alt: title, class: 'chart' });
    const slot = h('figure', { class: 'card chart-card', 'data-chart': kind },
      h('figcaption', {}, title), img);
    figures.append(slot);
    try {
      const blob = await get(`/api/analytics/chart${query({ kind, format: 'svg', days: DAYS })}`);
      const url = URL.createObjectURL(blob);
      urls.push(url);
      img.src = url;
    } catch (error) {
      fill(slot, h('figcaption', {}, title),
        h('p', { class: 'form-error' }, `This chart could not be drawn: ${error.message}`));
    }
  }

  async function loadPlatforms() {
    const report = await get(`/api/analytics/platform${query({ days: DAYS })}`);
    fill(perPlatform, h('h2', {}, `Per platform (last ${DAYS} days)`), platformTable(report.items));
  }

  let pending = null;
  const refreshNumbers = () => {
    clearTimeout(pending);
    pending = setTimeout(() => loadNumbers().catch(showError), 500);
  };
  const stops = ['new_message', 'message_read', 'platform_connected', 'resync']
    .map((type) => live.on(type, refreshNumbers));

  await Promise.all([loadNumbers(), loadPlatforms(), ...CHARTS.map(loadChart)]
    .map((loading) => loading.catch(showError)));
  return {
    destroy() {
      clearTimeout(pending);
      for (const stop of stops) stop();
      for (const url of urls) URL.revokeObjectURL(url);
    },
  };
}
