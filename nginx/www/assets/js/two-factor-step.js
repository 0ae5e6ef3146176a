// The second step of a sign-in with two-factor authentication, shared by
// /login, the invitation page and the Admin Area: the password was right,
// the API answered a challenge; this form sends it with the code of the
// authenticator app, or a recovery code, to POST /auth/login/2fa (or
// /admin/auth/login/2fa). A challenge that died (5 wrong codes, expired)
// sends the visitor back to the password.
import { call } from './api.js';
import { h } from './dom.js';
import { fieldError, submitting } from './forms.js';

// twoFactorStep({challenge, admin, onDone(answer), onRestart(message)})
// -> a <form>; focus its input once it is in the page.
export function twoFactorStep({ challenge, admin = false, onDone, onRestart, id = 'two-factor-form' }) {
  let recovery = false;
  const input = h('input', {
    id: `${id}-code`, name: 'code', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code',
    pattern: '[0-9 ]*', maxlength: '7', required: true, spellcheck: 'false', 'aria-describedby': `${id}-hint`,
  });
  const label = h('label', { for: input.id }, 'Authentication code');
  const hint = h('p', { class: 'hint', id: `${id}-hint` }, 'The 6-digit code your authenticator app shows now.');
  const toggle = h('button', { type: 'button', class: 'linkish', id: `${id}-toggle` }, 'Use a recovery code instead');
  toggle.addEventListener('click', () => {
    recovery = !recovery;
    input.value = '';
    input.name = recovery ? 'recovery_code' : 'code';
    input.inputMode = recovery ? 'text' : 'numeric';
    input.autocomplete = recovery ? 'off' : 'one-time-code';
    input.pattern = recovery ? '[0-9A-Za-z -]*' : '[0-9 ]*';
    input.maxLength = recovery ? 24 : 7;
    label.textContent = recovery ? 'Recovery code' : 'Authentication code';
    hint.textContent = recovery
      ? 'One of the recovery codes you saved when you turned on two-factor authentication (xxxx-xxxx-xxxx-xxxx). Each works once.'
      : 'The 6-digit code your authenticator app shows now.';
    toggle.textContent = recovery ? 'Use the authenticator app instead' : 'Use a recovery code instead';
    input.focus();
  });
  const form = h('form', { id, novalidate: true },
    h('p', { class: 'lede' }, 'Two-factor authentication is on for this account: one more step.'),
    h('div', { class: 'field' }, label, input, hint),
    h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Verify'),
    h('p', { class: 'auth-alt' }, toggle));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const value = input.value.trim();
    let dead = null;
    const r = await submitting(form, async () => {
      if (!value) {
        fieldError(form, input.name, recovery ? 'Enter a recovery code.' : 'Enter the code from your authenticator app.');
        return null;
      }
      const body = { challenge };
      body[recovery ? 'recovery_code' : 'code'] = value;
      try {
        return await call('POST', admin ? '/admin/auth/login/2fa' : '/auth/login/2fa', body);
      } catch (err) {
        if (err.code === 'invalid_code' && err.field === 'challenge') dead = err;
        throw err;
      }
    }, { invalid_code: input.name });
    if (dead) {
      onRestart(dead.message);
      return;
    }
    if (r) onDone(r);
    else if (form.isConnected) input.select();
  });
  return form;
}
