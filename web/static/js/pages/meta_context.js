// Messenger / Instagram context of a message, as the dashboard shows it: where the customer
// came from (an ad, an m.me / ig.me link), a shared place with a map link, the story a message
// is about (linked: Meta lets us keep the link, never the media) or that it has expired, and
// whether the customer edited the message. The same words as the Slack thread
// (bot/thread/context.py).

import { h } from '../dom.js';

const MAP = (lat, lon) => `https://www.google.com/maps/search/?api=1&query=${lat},${lon}`;
/** Attachment entries that are context, not files (never listed as downloads). */
export const CONTEXT_TYPES = new Set(['location', 'referral', 'edit', 'story', 'story_mention']);

const webLink = (url) => (typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null);
const link = (url, text) => h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, text);

function referralLine(details) {
  const source = String(details.source_type || '').toUpperCase();
  let what;
  if (source === 'ADS' || details.source_id) what = details.headline ? `the ad “${details.headline}”` : 'an ad';
  else if (['SHORTLINK', 'SHORT-URL', 'SHORTLINKS'].includes(source)) what = 'an m.me link';
  else if (source === 'IGME-SOURCE-LINK') what = 'an ig.me link';
  else if (source === 'CUSTOMER_CHAT_PLUGIN') what = 'the chat plugin on your website';
  else what = source ? `a ${source.toLowerCase()} referral` : 'a referral';
  return `came from ${what}${details.ref ? ` (ref ${details.ref})` : ''}`;
}

function placeLine(details) {
  const name = [details.name, details.address].filter(Boolean).join(', ') || 'a location';
  const numbers = [details.latitude, details.longitude].every((v) => typeof v === 'number');
  if (!numbers) return webLink(details.url) ? link(webLink(details.url), name) : name;
  return link(MAP(details.latitude, details.longitude), `${name} (${details.latitude}, ${details.longitude})`);
}

/** The context lines of a message (empty for most). */
export function metaContext(m) {
  const items = Array.isArray(m.attachments) ? m.attachments : [];
  const lines = [];
  for (const a of items) {
    const details = a.details && typeof a.details === 'object' ? a.details : {};
    if (a.type === 'referral') lines.push(h('p', { class: 'small muted context' }, referralLine(details)));
    if (a.type === 'location') lines.push(h('p', { class: 'context' }, '📍 ', placeLine(details)));
  }
  const story = items.find((a) => a.type === 'story' || a.type === 'story_mention');
  if (story) {
    const what = story.type === 'story' ? 'replied to your story' : 'mentioned you in their story';
    const url = webLink(story.url);
    const tail = story.expired ? ' · the story has expired' : null;
    lines.push(h('p', { class: 'small muted context story' }, what,
      url && !story.expired ? [' · ', link(url, 'open the story')] : null, tail));
  }
  return lines;
}

/** True when the customer edited the message after sending it. */
export const isEdited = (m) => Array.isArray(m.attachments) && m.attachments.some((a) => a.type === 'edit');
