// Sign in (or create an account, e.g. with a teammate's invite code).

import * as api from '../api.js';
import { describe } from '../alerts.js';
import { fill, h } from '../dom.js';

function field(label, props) {
  return h('label', { class: 'field' }, h('span', {}, label), h('input', props));
}

export function render(main, _route, { signedIn }) {
  const problem = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const card = h('section', { class: 'card auth' });
  main.append(h('div', { class: 'auth-page' }, card));

  function fail(error) {
    problem.textContent = describe(error);
    problem.hidden = false;
  }

  async function submitting(form, work) {
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    problem.hidden = true;
    try {
      await work(new FormData(form));
    } catch (error) {
      fail(error);
    } finally {
      button.disabled = false;
    }
  }

  function showLogin() {
    const form = h(
      'form',
      {
        class: 'stack',
        onsubmit: (event) => {
          event.preventDefault();
          submitting(form, async (data) => {
            await api.login(data.get('email'), data.get('password'));
            signedIn();
          });
        },
      },
      field('Email', { name: 'email', type: 'email', autocomplete: 'username', required: true }),
      field('Password', {
        name: 'password',
        type: 'password',
        autocomplete: 'current-password',
        required: true,
      }),
      problem,
      h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
    );
    fill(
      card,
      h('h1', {}, 'Sign in to cahts'),
      h('p', { class: 'muted' }, 'Your Instagram, Messenger and WhatsApp inbox.'),
      form,
      h('p', { class: 'muted small' }, 'New here? ',
        h('button', { type: 'button', class: 'linklike', onclick: showRegister }, 'Create an account')),
    );
    form.querySelector('input').focus();
  }

  function showRegister() {
    const form = h(
      'form',
      {
        class: 'stack',
        onsubmit: (event) => {
          event.preventDefault();
          submitting(form, async (data) => {
            const fields = {};
            for (const [key, value] of data) if (String(value).trim()) fields[key] = String(value).trim();
            fields.password = data.get('password');
            await api.register(fields);
            await api.login(fields.email, fields.password);
            signedIn();
          });
        },
      },
      field('Name', { name: 'name', autocomplete: 'name', maxlength: 200 }),
      field('Email', { name: 'email', type: 'email', autocomplete: 'username', required: true }),
      field('Password (8 characters or more)', {
        name: 'password',
        type: 'password',
        autocomplete: 'new-password',
        minlength: 8,
        required: true,
      }),
      field('Invite code (to join a teammate’s workspace)', { name: 'invite_code', maxlength: 64 }),
      problem,
      h('button', { type: 'submit', class: 'primary' }, 'Create account'),
    );
    problem.hidden = true;
    fill(
      card,
      h('h1', {}, 'Create an account'),
      h('p', { class: 'muted' },
        'Ask a teammate for an invite code. Without one, only the first user (or anyone, where ' +
        'this server allows open sign-up) gets a new workspace of their own.'),
      form,
      h('p', { class: 'muted small' },
        h('button', { type: 'button', class: 'linklike', onclick: showLogin }, 'Back to sign in')),
    );
    form.querySelector('input').focus();
  }

  showLogin();
  return {};
}
