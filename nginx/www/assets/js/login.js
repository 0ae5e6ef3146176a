// /login: sign in, then go back where the visitor came from (a path on
// this site) or to the Client Area. With two-factor authentication on,
// the password is followed by the code of the authenticator app (or a
// recovery code) before any session exists.
import { call, setCsrf } from './api.js';
import { $, fill, flash, safeNext } from './dom.js';
import { requireFilled, submitting, values } from './forms.js';
import { twoFactorStep } from './two-factor-step.js';

const form = $('#login-form');
const next = safeNext('/portal/');
const card = form.closest('section');
const lede = $('.lede', card);
const title = $('#title');
const alt = $('.auth-alt', card);

if (next !== '/portal/') {
  $('#register-link').href = `/register?next=${encodeURIComponent(next)}`;
}
if (new URLSearchParams(location.search).get('reset') === '1') {
  flash($('#notice'), 'ok', 'Your password has been changed. Sign in with the new one.');
}

function signedIn(r) {
  setCsrf(r.csrf_token);
  location.assign(next);
}

// Back to the password, saying why (a dead challenge).
function restart(message) {
  const step = $('#two-factor-form');
  if (step) step.remove();
  title.textContent = 'Sign in';
  lede.hidden = false;
  alt.hidden = false;
  form.hidden = false;
  form.elements.password.value = '';
  flash($('#notice'), 'error', message);
  form.elements.password.focus();
}

function secondStep(challenge) {
  form.hidden = true;
  lede.hidden = true;
  alt.hidden = true;
  title.textContent = 'Two-factor authentication';
  const step = twoFactorStep({ challenge, onDone: signedIn, onRestart: restart });
  fill($('#notice'));
  form.after(step);
  step.querySelector('input').focus();
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const v = values(form);
  const done = await submitting(form, async () => {
    if (!requireFilled(form, ['email', 'password'], { email: 'your email address', password: 'your password' })) return null;
    return call('POST', '/auth/login', { email: v.email, password: v.password });
  }, { invalid_credentials: 'password' });
  if (!done) return;
  if (done.two_factor_required) secondStep(done.challenge);
  else signedIn(done);
});
