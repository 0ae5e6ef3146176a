// /login: sign in, then go back where the visitor came from (a path on
// this site) or to the Client Area.
import { call, setCsrf } from './api.js';
import { $, flash, safeNext } from './dom.js';
import { requireFilled, submitting, values } from './forms.js';

const form = $('#login-form');
const next = safeNext('/portal/');

if (next !== '/portal/') {
  $('#register-link').href = `/register?next=${encodeURIComponent(next)}`;
}
if (new URLSearchParams(location.search).get('reset') === '1') {
  flash($('#notice'), 'ok', 'Your password has been changed. Sign in with the new one.');
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const v = values(form);
  const done = await submitting(form, async () => {
    if (!requireFilled(form, ['email', 'password'], { email: 'your email address', password: 'your password' })) return null;
    return call('POST', '/auth/login', { email: v.email, password: v.password });
  }, { invalid_credentials: 'password' });
  if (done) {
    setCsrf(done.csrf_token);
    location.assign(next);
  }
});
