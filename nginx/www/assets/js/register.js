// /register: create a user, signed in at once, then on to the Client Area.
import { call } from './api.js';
import { $, safeNext } from './dom.js';
import { fieldError, requireFilled, submitting, values } from './forms.js';

const form = $('#register-form');
const next = safeNext('/portal/');

if (next !== '/portal/') $('#login-link').href = `/login?next=${encodeURIComponent(next)}`;

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const v = values(form);
  const done = await submitting(form, async () => {
    if (!requireFilled(form, ['first_name', 'last_name', 'email', 'password'],
      { first_name: 'your first name', last_name: 'your last name', email: 'your email address', password: 'a password' })) return null;
    if ([...v.password].length < 10) {
      fieldError(form, 'password', 'Choose a password of at least 10 characters.');
      return null;
    }
    return call('POST', '/auth/register', v);
  });
  if (done) location.assign(next);
});
