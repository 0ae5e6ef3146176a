// /reset-password: without a token, ask for a link by email; with the
// token in the URL fragment (never sent to a server), set a new password.
// A link is checked before the password is typed: one that cannot be a
// link of ours (cut short, mangled) is refused at once, and a well-formed
// one is asked about (POST /auth/password-reset/check, which uses nothing
// up): a used or expired link is reported before any password is typed,
// with a way to ask for a new one.
import { call } from './api.js';
import { $, fill, fragment, h } from './dom.js';
import { fieldError, requireFilled, submitting, values } from './forms.js';

const token = fragment();
// the shape of every token memberd hands out: 43 characters of base64url
const WELL_FORMED = /^[A-Za-z0-9_-]{43}$/;

// The link cannot be used: say why instead of the form, and offer a new one.
function linkRefused(why) {
  const box = $('#confirm');
  box.hidden = false;
  $('#confirm-form').hidden = true;
  box.querySelector('.lede').hidden = true;
  $('#confirm-title').textContent = 'This reset link is not valid';
  fill($('#confirm-done'),
    h('div', { class: 'alert alert-error', role: 'alert', id: 'link-invalid' }, h('p', null, why)),
    h('a', { class: 'btn btn-primary btn-block', href: '/reset-password' }, 'Ask for a new link')).hidden = false;
}

// 204: usable; 422: used or expired; anything else (offline, 503): let
// the form try, and say what went wrong when it is sent.
async function linkUsable() {
  try {
    await call('POST', '/auth/password-reset/check', { token });
    return true;
  } catch (err) {
    return err.code !== 'invalid_input';
  }
}

if (token && !WELL_FORMED.test(token)) {
  linkRefused('The link is incomplete or was changed on the way: a reset link ends in 43 letters, digits, "-" or "_". ' +
    'Open it again from the email (if your mail program split it over two lines, copy the whole of it), or ask for a new one.');
} else if (token && !(await linkUsable())) {
  linkRefused('This link was used already, or its hour has passed: a reset link works once, for one hour. ' +
    'Ask for a new one below; the newest link in your inbox is the one that works.');
} else if (!token) {
  const form = $('#request-form');
  $('#request').hidden = false;
  $('#email').focus();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = values(form);
    const done = await submitting(form, async () => {
      if (!requireFilled(form, ['email'], { email: 'your email address' })) return null;
      // the server answers alike for any address, so the shape is checked here
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.email.trim())) {
        fieldError(form, 'email', 'An email address looks like name@example.com.');
        return null;
      }
      await call('POST', '/auth/password-reset', { email: v.email });
      return true;
    });
    if (!done) return;
    form.hidden = true;
    const box = fill($('#request-done'),
      h('div', { class: 'alert alert-ok', role: 'status' },
        h('p', null, 'Check your inbox. If ', h('strong', null, v.email),
          ' belongs to an account, we have sent it a link to choose a new password.'),
        h('p', null, 'The link works once, for one hour. Nothing arrived? Check the spam folder, or ask again.')));
    box.hidden = false;
  });
} else {
  const form = $('#confirm-form');
  $('#confirm').hidden = false;
  $('#password').focus();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = values(form);
    const done = await submitting(form, async () => {
      if (!requireFilled(form, ['password'], { password: 'a new password' })) return null;
      if ([...v.password].length < 10) {
        fieldError(form, 'password', 'Choose a password of at least 10 characters.');
        return null;
      }
      if (v.password !== v.password2) {
        fieldError(form, 'password2', 'The two passwords differ. Type the same password twice.');
        return null;
      }
      await call('POST', '/auth/password-reset/confirm', { token, password: v.password });
      return true;
    });
    if (form.querySelector('.form-alert:not([hidden])')) {
      // the link itself is at fault: offer a new one
      form.querySelector('.form-alert').append(' ',
        h('a', { href: '/reset-password' }, 'Ask for a new link'));
    }
    if (!done) return;
    form.hidden = true;
    const box = fill($('#confirm-done'),
      h('div', { class: 'alert alert-ok', role: 'status' },
        h('p', null, 'Your password has been changed.')),
      h('a', { class: 'btn btn-primary btn-block', href: '/login?reset=1' }, 'Sign in'));
    box.hidden = false;
  });
}

// A link pasted into this same tab changes only the fragment: start over.
window.addEventListener('hashchange', () => location.reload());
