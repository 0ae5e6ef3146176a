// /sso: the page behind an SSO link ({public_url}/sso#TOKEN, DESIGN §9).
// The token travels in the fragment, so no server log or Referer sees
// it; the page takes it out of the address bar, makes the one POST that
// uses the link, then goes on to the link's destination (a path on this
// site only, checked again here as the sign-in pages check ?next=).
import { call, describe } from './api.js';
import { $, fill, h, safePath } from './dom.js';

async function boot() {
  const token = location.hash.replace(/^#/, '');
  history.replaceState(null, '', location.pathname);
  const state = $('#sso-state');
  const fail = (text) => fill(state,
    h('div', { class: 'alert alert-error', role: 'alert' }, text),
    h('p', { class: 'auth-alt' }, h('a', { href: '/login' }, 'Sign in with your password')));
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) {
    fail('This sign-in link is not complete. Ask for a new one where you found it.');
    return;
  }
  try {
    const r = await call('POST', '/auth/sso', { token });
    location.replace(safePath(r.destination, '/portal/'));
  } catch (err) {
    fail(err.code === 'token_invalid'
      ? 'This sign-in link was used already or has expired (links work once, for a minute). Ask for a new one where you found it.'
      : describe(err));
  }
}

boot();
