// Context of a message that is not a structured part (those arrive as `display` lines): the
// story a message is about (linked: Meta lets us keep the link, never the media) or that it
// has expired, and whether the customer edited the message. The same words as the Slack
// thread (bot/thread/context.py).

import { h } from '../dom.js';

/** Attachment entries that are context, not files (never listed as downloads). */
export const CONTEXT_TYPES = new Set(['edit', 'story', 'story_mention']);

const webLink = (url) => (typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null);
const link = (url, text) => h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, text);

/** The context lines of a message (empty for most). */
export function metaContext(m) {
  const items = Array.isArray(m.attachments) ? m.attachments : [];
  const lines = [];
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
