// Conversations with unread badges, one conversation's messages, the reply box; live over the
// socket. Opening a conversation marks its messages read.

import { get, patch, post, query } from '../api.js';
import { describe, showError } from '../alerts.js';
import { ago, clock, fill, h, platformIcon, platformName, safeUrl } from '../dom.js';
import * as live from '../ws.js';
import { templateComposer, windowClosed } from '../templates.js';
import { CONTEXT_TYPES, isEdited, metaContext } from './meta_context.js';

const PAGE = 50;
const READERS = 4;

/** Run `work` over items, at most `size` at a time. */
async function pool(items, size, work) {
  const queue = [...items];
  const runner = async () => {
    while (queue.length) await work(queue.shift());
  };
  await Promise.all(Array.from({ length: Math.min(size, queue.length) }, runner));
}

const personOf = (c) => c.participant_name || c.participant_id || 'Customer';

// Structured parts (inbox/platforms/parts.py) arrive as `display` lines, not as files.
const PART_TYPES = new Set(['location', 'contacts', 'order', 'referral', 'form', 'system', 'unsupported', 'billing']);

function displayLines(lines) {
  if (!Array.isArray(lines) || !lines.length) return null;
  return h('ul', { class: 'parts' }, lines.map((line) => {
    const url = line.url ? safeUrl(line.url) : null;
    const text = url ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, line.text) : line.text;
    return h('li', { class: line.context ? 'context muted' : null }, text);
  }));
}

function attachmentLinks(all) {
  const attachments = Array.isArray(all) ? all.filter((a) => !PART_TYPES.has(a.type) && !CONTEXT_TYPES.has(a.type)) : [];
  if (!attachments.length) return null;
  return h('ul', { class: 'attachments' }, attachments.map((a) => {
    const label = `📎 ${a.filename || a.type || 'file'}${a.caption ? `: ${a.caption}` : ''}`;
    const url = safeUrl(a.url);
    return h('li', {}, url ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, label) : label);
  }));
}

function messageItem(m) {
  const who = m.is_incoming ? m.sender_name || 'Customer' : m.agent || 'Business';
  let body;
  if (m.is_deleted) body = h('p', { class: 'text muted' }, 'This message was unsent.');
  else if (m.content) body = h('p', { class: 'text' }, m.content, isEdited(m) ? h('span', { class: 'muted small edited' }, ' (edited)') : null);
  else if (!m.attachments?.length && !m.display?.length) body = h('p', { class: 'text muted' }, `[${m.kind || 'message'}]`);
  const status = m.is_incoming ? null : h('span', { class: 'status', dataset: { status: m.status } },
    m.status === 'failed' && m.error_message ? `failed: ${m.error_message}` : m.status);
  return h('li', { class: `msg ${m.is_incoming ? 'in' : 'out'}`, dataset: { messageId: m.id } },
    h('div', { class: 'bubble' },
      m.reply_to ? h('p', { class: 'small muted' }, '↪ reply to an earlier message') : null,
      m.is_deleted ? null : metaContext(m), body, m.is_deleted ? null : attachmentLinks(m.attachments), m.is_deleted ? null : displayLines(m.display),
      m.reaction ? h('span', { class: 'reaction', title: 'reaction' }, m.reaction) : null),
    h('div', { class: 'msg-meta' }, `${who} · ${clock(m.received_at)}`, status ? ' · ' : null, status));
}

export async function render(main, route) {
  const conversations = new Map(); // id → { data, li }
  const messages = new Map(); // id → { data, li } of the open conversation
  const accounts = new Map();
  let selected = null;
  let ticket = 0;
  let nextCursor = null;
  let olderCursor = null;

  const list = h('ul', { class: 'conv-list', 'aria-label': 'Conversations' });
  const empty = h('p', { class: 'muted pad', hidden: true },
    'No conversations yet. They appear here the moment a customer writes.');
  const more = h('button', { type: 'button', class: 'secondary wide', hidden: true, onclick: () => loadList(true).catch(showError) }, 'Load more');
  const unreadOnly = h('input', { type: 'checkbox', onchange: () => loadList(false).catch(showError) });
  const thread = h('section', { class: 'thread', 'aria-label': 'Conversation' });
  const root = h('div', { class: 'chats', dataset: { view: 'list' } },
    h('aside', { class: 'conversations' },
      h('div', { class: 'list-head' }, h('h1', {}, 'Chats'),
        h('label', { class: 'toggle' }, unreadOnly, ' Unread only')),
      empty, list, more),
    thread);
  main.append(root);

  function conversationItem(c) {
    const count = c.unread_count || 0;
    return h('li', { dataset: { conversationId: c.id } },
      h('a', { class: 'conv', href: `#/chats/${encodeURIComponent(c.id)}`, 'aria-current': c.id === selected ? 'true' : null },
        platformIcon(c.platform, 30),
        h('span', { class: 'conv-main' },
          h('span', { class: 'conv-name' }, personOf(c)),
          h('span', { class: 'conv-meta' }, `${platformName(c.platform)} · ${ago(c.last_message_at)}`)),
        h('span', { class: 'badge', hidden: count === 0, title: `${count} unread` }, count)));
  }

  function putConversation(c, { top = false } = {}) {
    const known = conversations.get(c.id);
    const li = conversationItem(c);
    conversations.set(c.id, { data: c, li });
    if (known && !top) known.li.replaceWith(li);
    else {
      known?.li.remove();
      if (top) list.prepend(li);
      else list.append(li);
    }
    empty.hidden = conversations.size > 0;
  }

  function setUnread(id, count) {
    const known = conversations.get(id);
    if (known) putConversation({ ...known.data, unread_count: Math.max(0, count) });
  }

  // Conversations a live event brought while a full list load was on its way: the answer
  // was read before them, so it must not wipe them out.
  let arrivedDuringLoad = null;

  function liveConversation(c) {
    arrivedDuringLoad?.set(c.id, c);
    putConversation(c, { top: true });
  }

  async function loadList(append) {
    if (!append) arrivedDuringLoad = new Map();
    const arrived = append ? null : arrivedDuringLoad;
    let page;
    try {
      page = await get(`/api/conversations${query({
        limit: PAGE, unread: unreadOnly.checked ? 'true' : null, cursor: append ? nextCursor : null,
      })}`);
    } finally {
      if (!append && arrivedDuringLoad === arrived) arrivedDuringLoad = null;
    }
    if (!append) {
      conversations.clear();
      list.replaceChildren();
    }
    for (const c of page.items) putConversation(c);
    for (const c of arrived?.values() ?? []) {
      const loaded = conversations.get(c.id)?.data;
      if (!loaded || (c.last_message_at ?? '') >= (loaded.last_message_at ?? '')) {
        putConversation(c, { top: true });
      }
    }
    nextCursor = page.next_cursor;
    more.hidden = !nextCursor;
    empty.hidden = conversations.size > 0;
  }

  // --- the open conversation -------------------------------------------------------------

  const scroller = h('ol', { class: 'messages', 'aria-label': 'Messages' });
  const earlier = h('button', { type: 'button', class: 'secondary small', hidden: true, onclick: () => loadOlder().catch(showError) }, 'Load earlier messages');
  const nothingYet = h('li', { class: 'muted pad' }, 'No messages yet.');
  const problem = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const textarea = h('textarea', { name: 'text', rows: 2, maxlength: 20000, placeholder: 'Write a reply…', 'aria-label': 'Reply' });
  const sendButton = h('button', { type: 'submit', class: 'primary' }, 'Send');
  const replyForm = h('form', { class: 'reply', onsubmit: reply }, textarea, sendButton);
  const composer = h('div', { class: 'composer' });
  let composerState = null;

  /** The reply box, or past a closed WhatsApp window the template picker. */
  function showComposer(c) {
    const closed = c?.platform === 'whatsapp' && windowClosed(c);
    const state = closed ? `template:${c.id}` : 'reply';
    if (state === composerState) return;
    composerState = state;
    if (!closed) {
      composer.replaceChildren(replyForm);
      return;
    }
    composer.replaceChildren(templateComposer(c, {
      onSent(sent) {
        for (const m of sent.messages) addMessage(m, { force: true });
      },
    }));
  }
  textarea.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      replyForm.requestSubmit();
    }
  });

  function header(c, first) {
    const person = c ? personOf(c) : first?.sender_name || 'Customer';
    const platform = c?.platform ?? first?.platform;
    const account = accounts.get(c?.platform_account_id ?? first?.platform_account_id);
    const bits = [platformName(platform), account?.name || account?.external_id];
    if (c?.last_incoming_at) bits.push(`customer wrote ${ago(c.last_incoming_at)}`);
    return h('header', { class: 'thread-head' },
      h('a', { class: 'back', href: '#/chats' }, '← Chats'),
      platformIcon(platform, 34),
      h('div', {}, h('h2', {}, person), h('p', { class: 'muted small' }, bits.filter(Boolean).join(' · '))));
  }

  function nearBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  }

  // A status can arrive over the socket before the POST that queued the message answers.
  const earlyStatus = new Map();

  function addMessage(m, { force = false } = {}) {
    if (messages.has(m.id)) return updateMessage(m);
    if (earlyStatus.has(m.id)) {
      m = { ...m, ...earlyStatus.get(m.id) };
      earlyStatus.delete(m.id);
    }
    nothingYet.remove();
    const stick = force || nearBottom();
    const li = messageItem(m);
    messages.set(m.id, { data: m, li });
    scroller.append(li);
    if (stick) scroller.scrollTop = scroller.scrollHeight;
  }

  function updateMessage(m) {
    const known = messages.get(m.id);
    if (!known) return;
    const data = { ...known.data, ...m };
    const li = messageItem(data);
    known.li.replaceWith(li);
    messages.set(m.id, { data, li });
  }

  async function markRead(id) {
    let cursor = null;
    do {
      const page = await get(`/api/messages${query({ conversation: id, unread: 'true', limit: 200, cursor })}`);
      await pool(page.items.filter((m) => m.is_incoming), READERS, async (m) => {
        // Only the read flag: the answer is a snapshot that an edit or expiry may have outdated.
        const read = await patch(`/api/messages/${m.id}/read`);
        updateMessage({ id: read.id, is_read: read.is_read });
        setUnread(id, (conversations.get(id)?.data.unread_count ?? 1) - 1);
      });
      cursor = page.next_cursor;
    } while (cursor && selected === id);
  }

  async function select(id) {
    const mine = ++ticket;
    selected = id;
    for (const [cid, { li }] of conversations) {
      li.querySelector('a').toggleAttribute('aria-current', cid === id);
    }
    root.dataset.view = id ? 'thread' : 'list';
    messages.clear();
    scroller.replaceChildren();
    problem.hidden = true;
    if (!id) {
      fill(thread, h('p', { class: 'muted pad placeholder' }, 'Pick a conversation to read and reply.'));
      return;
    }
    textarea.value = '';
    fill(thread, h('p', { class: 'muted pad' }, 'Loading…'));
    let page;
    try {
      page = await get(`/api/conversations/${encodeURIComponent(id)}/messages${query({ limit: PAGE })}`);
    } catch (error) {
      if (mine === ticket) {
        fill(thread, header(null, null), h('p', { class: 'form-error pad', role: 'alert' },
          `This conversation could not be opened: ${describe(error)}`));
      }
      return;
    }
    if (mine !== ticket) return;
    olderCursor = page.next_cursor;
    earlier.hidden = !olderCursor;
    const newestFirst = page.items;
    composerState = null;
    showComposer(conversations.get(id)?.data ?? { platform: newestFirst[0]?.platform });
    fill(thread, header(conversations.get(id)?.data, newestFirst.find((m) => m.is_incoming)),
      h('div', { class: 'messages-wrap' }, scroller), problem, composer);
    scroller.append(earlier);
    for (const m of [...newestFirst].reverse()) addMessage(m, { force: true });
    if (!newestFirst.length) scroller.append(nothingYet);
    if (matchMedia('(min-width: 761px)').matches) textarea.focus();
    if (document.visibilityState === 'visible') await markRead(id);
  }

  async function loadOlder() {
    const id = selected;
    const page = await get(`/api/conversations/${encodeURIComponent(id)}/messages${query({ limit: PAGE, cursor: olderCursor })}`);
    if (id !== selected) return;
    const height = scroller.scrollHeight;
    for (const m of page.items) {
      if (messages.has(m.id)) continue;
      const li = messageItem(m);
      messages.set(m.id, { data: m, li });
      earlier.after(li);
    }
    scroller.scrollTop += scroller.scrollHeight - height;
    olderCursor = page.next_cursor;
    earlier.hidden = !olderCursor;
  }

  async function reply(event) {
    event.preventDefault();
    const text = textarea.value.trim();
    if (!text || !selected) return;
    sendButton.disabled = true;
    problem.hidden = true;
    try {
      const sent = await post('/api/messages', { conversation_id: selected, text });
      for (const m of sent.messages) addMessage(m, { force: true });
      textarea.value = '';
    } catch (error) {
      problem.textContent = `Not sent: ${describe(error)}`;
      problem.hidden = false;
    } finally {
      sendButton.disabled = false;
      textarea.focus();
    }
  }

  // --- live events ---------------------------------------------------------------------------

  const handlers = {
    new_message(frame) {
      if (frame.conversation) liveConversation(frame.conversation);
      if (frame.conversation_id !== selected || !frame.message) return;
      if (frame.conversation && frame.message.is_incoming) showComposer(frame.conversation);
      addMessage(frame.message);
      if (frame.message.is_incoming && document.visibilityState === 'visible') {
        patch(`/api/messages/${frame.message.id}/read`).then(updateMessage, showError);
      }
    },
    message_read(frame) {
      setUnread(frame.conversation_id, frame.unread_count);
      if (frame.message) updateMessage({ id: frame.message.id, is_read: frame.message.is_read });
    },
    message_status(frame) {
      const id = frame.message?.id;
      if (id && !messages.has(id) && frame.message.conversation_id === selected) {
        if (earlyStatus.size > 100) earlyStatus.clear();
        earlyStatus.set(id, frame.message);
      }
      if (frame.message) updateMessage(frame.message);
      for (const id of frame.message_ids ?? []) {
        updateMessage({ id, status: frame.status, error_message: frame.error_message });
      }
    },
    message_deleted(frame) {
      updateMessage({ id: frame.message_id, is_deleted: true, content: '', attachments: [] });
    },
    message_edited(frame) {
      if (frame.message) updateMessage(frame.message);
    },
    message_reaction(frame) {
      updateMessage({ id: frame.message_id, reaction: frame.emoji });
    },
    resync() {
      loadList(false).then(() => select(selected)).catch(showError);
    },
  };
  const stops = Object.entries(handlers).map(([type, handler]) => live.on(type, handler));
  const visible = () => {
    if (document.visibilityState === 'visible' && selected) markRead(selected).catch(showError);
  };
  document.addEventListener('visibilitychange', visible);

  try {
    const [, found] = await Promise.all([loadList(false), get(`/api/platforms${query({ limit: 200 })}`)]);
    for (const account of found.items) accounts.set(account.id, account);
  } catch (error) {
    showError(error);
  }
  select(route.arg).catch(showError);

  return {
    update(next) {
      select(next.arg).catch(showError);
    },
    destroy() {
      for (const stop of stops) stop();
      document.removeEventListener('visibilitychange', visible);
      ticket += 1;
      selected = null;
    },
  };
}
