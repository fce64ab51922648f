// The template picker that replaces the reply box once a WhatsApp window is closed: pick an
// approved template, fill one field per variable, watch the preview, send (once per key).

import { get, post, query } from './api.js';
import { describe } from './alerts.js';
import { fill, h } from './dom.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const PLACEHOLDER = /\{\{\s*([a-z0-9_]+)\s*\}\}/g;
const CATEGORY = { MARKETING: 'marketing', UTILITY: 'utility', AUTHENTICATION: 'authentication' };

/** True when only a template can reach this customer (WhatsApp, 24 h after they last wrote). */
export function windowClosed(c, now = Date.now()) {
  return !c?.last_incoming_at || now - Date.parse(c.last_incoming_at) > DAY_MS;
}

/** True when a template went out after the customer's last message. */
export function waitingForCustomer(c) {
  if (!c?.template_sent_at) return false;
  return !c.last_incoming_at || Date.parse(c.template_sent_at) > Date.parse(c.last_incoming_at);
}

const part = (t, type) => (t.components || []).find((c) => String(c.type).toUpperCase() === type);

/** The message as the customer will read it; what is not filled stays {{…}}. */
export function renderTemplate(t, values) {
  const fillIn = (text, where) => text.replace(PLACEHOLDER, (all, key) => values[`${where}.${key}`] || all);
  const lines = [];
  const header = part(t, 'HEADER');
  if (header) {
    const format = String(header.format || 'TEXT').toUpperCase();
    if (format === 'TEXT' && typeof header.text === 'string') lines.push(fillIn(header.text, 'header'));
    else lines.push(`[${format.toLowerCase()}]`);
  }
  const body = part(t, 'BODY');
  if (body && typeof body.text === 'string') lines.push(fillIn(body.text, 'body'));
  const footer = part(t, 'FOOTER');
  if (footer && typeof footer.text === 'string') lines.push(footer.text);
  const buttons = (part(t, 'BUTTONS')?.buttons || []).map((b) => b?.text).filter(Boolean);
  if (buttons.length) lines.push(buttons.map((b) => `[${b}]`).join(' '));
  return lines.join('\n');
}

/** The picker form for one conversation; `onSent(result)` gets the send answer. */
export function templateComposer(conversation, { onSent }) {
  let templates = [];
  let chosen = null;
  let key = crypto.randomUUID();
  const values = {};

  const select = h('select', { name: 'template', 'aria-label': 'Template', onchange: pick, disabled: true },
    h('option', { value: '' }, 'Loading templates…'));
  const fields = h('div', { class: 'template-fields' });
  const preview = h('pre', { class: 'template-preview', 'aria-label': 'Preview', 'aria-live': 'polite' });
  const problem = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const sendButton = h('button', { type: 'submit', class: 'primary', disabled: true }, 'Send template');
  const waiting = h('p', { class: 'template-waiting', hidden: !waitingForCustomer(conversation) },
    '⏳ Template sent — waiting for the customer. Replies open again when they write.');
  const form = h('form', { class: 'template-composer', onsubmit: send, 'aria-label': 'Send a template' },
    h('p', { class: 'small muted' },
      'The 24-hour window is closed: only an approved WhatsApp template can reach this customer.'),
    waiting, select, fields, preview, problem, h('div', { class: 'template-actions' }, sendButton));

  function showPreview() {
    preview.textContent = chosen ? renderTemplate(chosen, values) : '';
    preview.hidden = !chosen;
  }

  function pick() {
    chosen = templates.find((t) => t.id === select.value) || null;
    fields.replaceChildren();
    for (const v of chosen?.variables || []) {
      const where = v.component === 'header' ? 'Header' : 'Body';
      const input = h('input', {
        name: v.field, maxlength: 1024, required: true, value: values[v.field] || '',
        placeholder: v.example ? `e.g. ${v.example}` : '',
        oninput: () => { values[v.field] = input.value; showPreview(); },
      });
      fields.append(h('label', {}, h('span', {}, `${where} {{${v.key}}}`), input));
    }
    sendButton.disabled = !chosen;
    showPreview();
  }

  async function send(event) {
    event.preventDefault();
    if (!chosen || sendButton.disabled) return;
    sendButton.disabled = true;
    problem.hidden = true;
    const parameters = {};
    for (const v of chosen.variables) parameters[v.field] = (values[v.field] || '').trim();
    try {
      const sent = await post('/api/messages', {
        conversation_id: conversation.id,
        template: { name: chosen.name, language: chosen.language, parameters },
        idempotency_key: key,
      });
      key = crypto.randomUUID();
      waiting.hidden = false;
      onSent(sent);
    } catch (error) {
      problem.textContent = `Not sent: ${describe(error)}`;
      problem.hidden = false;
    } finally {
      sendButton.disabled = !chosen;
    }
  }

  get(`/api/platforms/${encodeURIComponent(conversation.platform_account_id)}/templates${query({})}`)
    .then((answer) => {
      templates = answer.items;
      fill(select,
        h('option', { value: '' }, templates.length ? 'Pick an approved template' : 'No approved templates for this number'),
        templates.map((t) => h('option', { value: t.id },
          `${t.name} (${t.language}) · ${CATEGORY[t.category] || t.category.toLowerCase()}`)));
      select.disabled = !templates.length;
    })
    .catch((error) => {
      problem.textContent = `Templates could not be loaded: ${describe(error)}`;
      problem.hidden = false;
    });
  showPreview();
  return form;
}
