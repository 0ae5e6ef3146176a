// /verify-email: the link of an Email Address Verification. The token is
// in the URL fragment (never sent to a server, nor in a Referer); the page
// posts it once, then leads on: to the Client Area when this browser is
// signed in, else to sign in.
import { call } from './api.js';
import { $, fill, fragment, h } from './dom.js';

const WELL_FORMED = /^[A-Za-z0-9_-]{43}$/;
const box = $('#verify-result');
const title = $('#verify-title');

function done(heading, kind, text, next) {
  title.textContent = heading;
  fill(box,
    h('div', { class: `alert alert-${kind}`, role: kind === 'ok' ? 'status' : 'alert', id: kind === 'ok' ? 'verified' : 'verify-failed' },
      ...text.map((t) => h('p', null, t))),
    next);
  // the token is spent (or useless): keep it out of the history
  history.replaceState(null, '', location.pathname);
}

async function signedIn() {
  try {
    await call('GET', '/me');
    return true;
  } catch {
    return false;
  }
}

async function verify() {
  const token = fragment();
  if (!WELL_FORMED.test(token)) {
    done('This link is not valid', 'error', ['The link is incomplete or was changed on the way: it ends in 43 letters, digits, "-" or "_". ' +
      'Open it again from the email (if your mail program split it over two lines, copy the whole of it).'],
    h('a', { class: 'btn btn-primary btn-block', href: '/login' }, 'Go to sign in'));
    return;
  }
  let user;
  try {
    ({ user } = await call('POST', '/auth/verify-email', { token }));
  } catch (err) {
    const text = err.code === 'token_invalid'
      ? ['This link has been used, was replaced by a newer one, or is older than 24 hours.',
        'Sign in and ask for a new one from the Security page.']
      : err.code === 'email_taken'
        ? ['Another user now has this email address, so your address could not be changed to it.']
        : [err.message];
    const inside = await signedIn();
    done('Your email address was not verified', 'error', text,
      h('a', { class: 'btn btn-primary btn-block', href: inside ? '/portal/#security' : '/login?next=%2Fportal%2F%23security' },
        inside ? 'Go to the Security page' : 'Sign in'));
    return;
  }
  const inside = await signedIn();
  done('Email address verified', 'ok', [`${user.email} is verified and is the address of your user.`],
    h('a', { class: 'btn btn-primary btn-block', href: inside ? '/portal/' : '/login', id: 'verify-next' },
      inside ? 'Continue to the Client Area' : 'Sign in'));
  $('#verify-next').focus();
}

verify();

// A link pasted into this same tab changes only the fragment: start over.
window.addEventListener('hashchange', () => location.reload());
