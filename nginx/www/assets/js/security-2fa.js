// The two-factor authentication part of the Security page (DESIGN §8.3,
// §12): set it up (the QR code of the secret, and the secret as text for
// typing into the app), turn it on with a code, the recovery codes shown
// once, turn it off, get new recovery codes. The Security page imports it
// and calls mountTwoFactor(container); { admin: true } drives the same
// section for an administrator (/admin/me/2fa/...).
import { call, describe } from './api.js';
import { badge, fill, h } from './dom.js';
import { fieldError, submitting, values } from './forms.js';

let uid = 0;

// The secret in groups of four, easier to type; the copy button copies it whole.
function groups(secret) {
  return secret.match(/.{1,4}/g).join(' ');
}

function codeField(id, name = 'code', labelText = 'Code from the app') {
  return h('div', { class: 'field' },
    h('label', { for: id }, labelText),
    h('input', {
      id, name, type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9 ]*',
      maxlength: '7', required: true, spellcheck: 'false', class: 'input-code',
    }));
}

function passwordField(id) {
  return h('div', { class: 'field' },
    h('label', { for: id }, 'Your password'),
    h('input', { id, name: 'password', type: 'password', autocomplete: 'current-password', required: true }));
}

export function mountTwoFactor(container, { admin = false } = {}) {
  const base = admin ? '/admin/me/2fa' : '/me/2fa';
  const n = ++uid;
  const ids = (s) => `tf${n}-${s}`;
  const titleId = ids('title');
  const status = h('p', { class: 'visually-hidden', role: 'status', id: ids('status') });
  const body = h('div', { class: 'card-body', id: ids('body') });
  const state = h('span', { id: ids('state') });
  const section = h('section', { class: 'card two-factor', id: 'two-factor', 'aria-labelledby': titleId },
    h('div', { class: 'card-head' }, h('div', null,
      h('h2', { id: titleId }, 'Two-factor authentication ', state),
      h('p', null, 'A code from an authenticator app on your phone, asked after your password when you sign in.'))),
    status, body);
  fill(container, section);

  const say = (text) => { status.textContent = text; };
  const focusFirst = () => {
    const el = body.querySelector('input, button');
    if (el) el.focus();
  };

  function showState(on) {
    fill(state, on ? badge('On', 'ok') : badge('Off'));
  }

  // ---- off: set up ----
  function off(message) {
    showState(false);
    const start = h('button', { type: 'button', class: 'btn btn-primary', id: ids('start') }, 'Set up two-factor authentication');
    fill(body,
      message ? h('div', { class: 'alert alert-ok', role: 'status' }, message) : null,
      h('p', null, 'Two-factor authentication is off: your password alone signs you in. ' +
        'Turn it on so that someone who learns your password still cannot sign in without your phone.'),
      h('div', { class: 'form-actions' }, start));
    start.addEventListener('click', askPassword);
  }

  function askPassword() {
    const form = h('form', { id: ids('setup-form'), novalidate: true },
      h('p', null, 'Confirm your password to start.'),
      passwordField(ids('setup-password')),
      h('div', { class: 'form-actions' },
        h('button', { type: 'submit', class: 'btn btn-primary' }, 'Continue'),
        h('button', { type: 'button', class: 'btn', id: ids('setup-cancel') }, 'Cancel')));
    form.querySelector(`#${ids('setup-cancel')}`).addEventListener('click', () => {
      off();
      body.querySelector('button').focus();
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const v = values(form);
      const r = await submitting(form, async () => {
        if (!v.password) {
          fieldError(form, 'password', 'Enter your password.');
          return null;
        }
        return call('POST', `${base}/setup`, { password: v.password });
      }, { invalid_credentials: 'password' });
      if (r) scan(r);
    });
    fill(body, form);
    focusFirst();
  }

  function scan(setup) {
    const img = h('img', {
      class: 'qr', id: ids('qr'), width: '200', height: '200',
      src: `data:image/svg+xml;base64,${btoa(setup.qr_svg)}`,
      alt: 'QR code of your two-factor secret, for your authenticator app to scan',
    });
    const secret = h('code', { class: 'secret', id: ids('secret'), 'data-secret': setup.secret }, groups(setup.secret));
    const copy = h('button', { type: 'button', class: 'btn btn-sm', id: ids('copy') }, 'Copy key');
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(setup.secret);
        say('The key was copied.');
      } catch {
        say('Copying is not allowed here: select the key and copy it.');
      }
    });
    const form = h('form', { id: ids('enable-form'), novalidate: true },
      codeField(ids('enable-code')),
      h('div', { class: 'form-actions' },
        h('button', { type: 'submit', class: 'btn btn-primary' }, 'Turn on'),
        h('button', { type: 'button', class: 'btn', id: ids('enable-cancel') }, 'Cancel')));
    form.querySelector(`#${ids('enable-cancel')}`).addEventListener('click', () => {
      off();
      body.querySelector('button').focus();
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const v = values(form);
      const r = await submitting(form, async () => {
        if (!v.code) {
          fieldError(form, 'code', 'Enter the 6-digit code the app shows.');
          return null;
        }
        return call('POST', `${base}/enable`, { code: v.code });
      }, { invalid_code: 'code' });
      if (r) showCodes(r.recovery_codes, 'Two-factor authentication is on.');
    });
    fill(body,
      h('ol', { class: 'steps' },
        h('li', null, 'Open your authenticator app (Google Authenticator, Authy, 1Password, FreeOTP…) and add an account.'),
        h('li', null, 'Scan this QR code, or type the key below.',
          h('div', { class: 'qr-box' }, img,
            h('div', { class: 'qr-key' },
              h('p', { class: 'muted', id: ids('secret-label') }, 'Key (time-based, 6 digits):'),
              secret, ' ', copy))),
        h('li', null, 'Enter the code the app shows, to prove it works.', form)));
    say('Scan the QR code or type the key into your app, then enter its code.');
    form.querySelector('input').focus();
  }

  // ---- recovery codes, shown once ----
  function showCodes(codes, message) {
    showState(true);
    const done = h('button', { type: 'button', class: 'btn btn-primary', id: ids('codes-done') }, 'I have saved my recovery codes');
    const copy = h('button', { type: 'button', class: 'btn', id: ids('codes-copy') }, 'Copy codes');
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(codes.join('\n'));
        say('The recovery codes were copied.');
      } catch {
        say('Copying is not allowed here: select the codes and copy them.');
      }
    });
    done.addEventListener('click', () => {
      on();
      body.querySelector('button').focus();
    });
    fill(body,
      h('div', { class: 'alert alert-ok', role: 'status' }, message),
      h('h3', { id: ids('codes-title'), tabindex: '-1' }, 'Your recovery codes'),
      h('p', null, 'If you lose your phone, each of these codes signs you in once in place of a code from the app. ' +
        'Keep them somewhere safe, apart from your phone: they are shown only now.'),
      h('ul', { class: 'recovery-codes', id: ids('codes'), 'aria-labelledby': ids('codes-title') },
        codes.map((c) => h('li', null, h('code', null, c)))),
      h('div', { class: 'form-actions' }, done, copy));
    body.querySelector('h3').focus();
  }

  // ---- on: regenerate, turn off ----
  function on(message) {
    showState(true);
    const regen = h('button', { type: 'button', class: 'btn', id: ids('regen') }, 'Get new recovery codes');
    const stop = h('button', { type: 'button', class: 'btn btn-link-danger', id: ids('disable') }, 'Turn off');
    regen.addEventListener('click', regenerate);
    stop.addEventListener('click', turnOff);
    fill(body,
      message ? h('div', { class: 'alert alert-ok', role: 'status' }, message) : null,
      h('p', null, 'Two-factor authentication is on: signing in asks for a code from your authenticator app after your password.'),
      h('div', { class: 'form-actions' }, regen, stop));
  }

  function regenerate() {
    const form = h('form', { id: ids('regen-form'), novalidate: true },
      h('p', null, 'New recovery codes replace the old ones, which stop working.'),
      codeField(ids('regen-code')),
      h('div', { class: 'form-actions' },
        h('button', { type: 'submit', class: 'btn btn-primary' }, 'Get new codes'),
        h('button', { type: 'button', class: 'btn', id: ids('regen-cancel') }, 'Cancel')));
    form.querySelector(`#${ids('regen-cancel')}`).addEventListener('click', () => {
      on();
      body.querySelector('button').focus();
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const v = values(form);
      const r = await submitting(form, async () => {
        if (!v.code) {
          fieldError(form, 'code', 'Enter the 6-digit code the app shows.');
          return null;
        }
        return call('POST', `${base}/recovery-codes`, { code: v.code });
      }, { invalid_code: 'code' });
      if (r) showCodes(r.recovery_codes, 'New recovery codes: the old ones no longer work.');
    });
    fill(body, form);
    focusFirst();
  }

  function turnOff() {
    let recovery = false;
    const codeBox = codeField(ids('off-code'));
    const toggle = h('button', { type: 'button', class: 'linkish', id: ids('off-toggle') }, 'Use a recovery code instead');
    const form = h('form', { id: ids('off-form'), novalidate: true },
      h('p', null, 'Confirm with your password and a code. Signing in will then ask for your password only.'),
      passwordField(ids('off-password')),
      codeBox,
      h('p', { class: 'auth-alt' }, toggle),
      h('div', { class: 'form-actions' },
        h('button', { type: 'submit', class: 'btn btn-danger' }, 'Turn off two-factor authentication'),
        h('button', { type: 'button', class: 'btn', id: ids('off-cancel') }, 'Cancel')));
    toggle.addEventListener('click', () => {
      recovery = !recovery;
      const fresh = recovery ? codeField(ids('off-code'), 'recovery_code', 'Recovery code') : codeField(ids('off-code'));
      if (recovery) {
        const input = fresh.querySelector('input');
        input.inputMode = 'text';
        input.autocomplete = 'off';
        input.pattern = '[0-9A-Za-z -]*';
        input.maxLength = 24;
      }
      form.querySelector(`#${ids('off-code')}`).closest('.field').replaceWith(fresh);
      toggle.textContent = recovery ? 'Use a code from the app instead' : 'Use a recovery code instead';
      fresh.querySelector('input').focus();
    });
    form.querySelector(`#${ids('off-cancel')}`).addEventListener('click', () => {
      on();
      body.querySelector('button').focus();
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const v = values(form);
      const name = recovery ? 'recovery_code' : 'code';
      const r = await submitting(form, async () => {
        if (!v.password) {
          fieldError(form, 'password', 'Enter your password.');
          return null;
        }
        if (!v[name]) {
          fieldError(form, name, recovery ? 'Enter a recovery code.' : 'Enter the 6-digit code the app shows.');
          return null;
        }
        await call('POST', `${base}/disable`, { password: v.password, [name]: v[name] });
        return true;
      }, { invalid_credentials: 'password', invalid_code: name });
      if (r) {
        off('Two-factor authentication is off.');
        body.querySelector('button').focus();
      }
    });
    fill(body, form);
    focusFirst();
  }

  // ---- start ----
  fill(body, h('p', { class: 'loading', role: 'status' }, 'Loading…'));
  call('GET', admin ? '/admin/me' : '/me').then((me) => {
    const who = admin ? me.admin : me.user;
    if (who.two_factor) on();
    else off();
  }, (err) => {
    fill(body, h('div', { class: 'alert alert-error', role: 'alert' }, describe(err)));
  });
  return section;
}
