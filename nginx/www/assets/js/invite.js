// /invite#TOKEN: the page behind the link of an invitation email. Opening
// it changes nothing (the token stays in the fragment, read by script and
// sent only in POST bodies). It shows who invites, to which account, with
// what access; then one Accept button for a signed-in user, or Register
// and Login side by side (Register first, the invited address in both),
// and Decline for whoever does not want it (the inviter then sees it
// declined). Used, cancelled, declined, expired or unknown links get
// their own message and whom to ask.
import { ApiError, call, describe, setCsrf } from './api.js';
import { $, fill, formatDateTime, fragment, fromNow, fullName, h } from './dom.js';
import { confirmDialog, fieldError, requireFilled, submitting, values } from './forms.js';
import { grantList } from './perms.js';
import { twoFactorStep } from './two-factor-step.js';

const view = $('#view');

const token = fragment();
let invite = null;

function asker() {
  return invite?.inviter_name ? `${invite.inviter_name}, who invited you,` : 'the person who invited you';
}

// The end of the road for this link: a title, words, and where to go.
function dead(code, extra) {
  const ask = asker();
  const texts = {
    missing: ['This invitation link is incomplete',
      'The address lacks the part after "#" that identifies the invitation. Open the link from the invitation email again; ' +
      'if your mail program split it over two lines, copy the whole of it.'],
    invite_not_found: ['This invitation link is not valid',
      'It may be incomplete, or a newer invitation may have replaced it: each time an invitation is resent, the earlier link stops working. ' +
      `Open the most recent invitation email, or ask ${ask} to send it again.`],
    invite_expired: ['This invitation has expired',
      `Invitations are valid for 7 days. Ask ${ask} to resend it: the account owner, or anyone who manages the account's users, ` +
      'can do so from User Management.'],
    invite_cancelled: ['This invitation was cancelled',
      'It can no longer be used. If you still need access to the account, ask its owner to invite you again.'],
    invite_declined: ['This invitation was declined',
      `Its link no longer works. If you changed your mind, ask ${ask} to send a new one.`],
    declined_now: ['You declined the invitation',
      `${invite?.inviter_name || 'The person who invited you'} can see that you declined. The link no longer works; nothing else changed.`],
    invite_used: ['This invitation has already been accepted',
      'Each invitation link works once. If you accepted it, sign in: the account is in your Client Area. ' +
      'If it was not you, tell the account owner.'],
  };
  const [title, words] = texts[code] || ['This invitation cannot be opened', extra || 'Please try again in a moment.'];
  document.title = `${title} · memberd`;
  $('#main').classList.replace('wide', 'medium');
  fill(view, h('section', { class: 'card invite-summary', id: 'invite-dead', dataset: { code } },
    h('div', { class: 'kicker' }, 'Invitation'),
    h('h1', null, title),
    h('p', null, words),
    h('div', { class: 'form-actions' },
      code === 'invite_used' || code === 'invite_not_found'
        ? h('a', { class: 'btn btn-primary', href: '/login?next=%2Fportal%2F' }, 'Sign in')
        : null,
      h('a', { class: 'btn', href: '/portal/' }, 'Go to the Client Area'))));
  $('#main').focus();
}

function summary() {
  const until = invite.expires_at;
  return h('section', { class: 'card invite-summary', id: 'invite-summary', 'aria-labelledby': 'invite-title' },
    h('div', { class: 'kicker' }, 'Invitation'),
    h('h1', { id: 'invite-title' }, `Join ${invite.client_name}`),
    h('p', { class: 'lede' },
      h('strong', { id: 'inviter' }, invite.inviter_name), ' invited you to access the account ',
      h('strong', { id: 'client-name' }, invite.client_name), '.'),
    h('dl', { class: 'facts' },
      h('dt', null, 'Sent to'), h('dd', { id: 'invited-email' }, invite.email),
      h('dt', null, 'Valid until'), h('dd', null,
        h('time', { datetime: until }, formatDateTime(until)), ` (${fromNow(until)})`),
      h('dt', null, 'Access granted'), h('dd', { id: 'grants' }, grantList(invite.permissions))));
}

// Not wanted: Decline, after a confirmation; the link then dies.
function declineCard() {
  const btn = h('button', { type: 'button', class: 'btn btn-link-danger', id: 'decline' }, 'Decline Invitation');
  btn.addEventListener('click', async () => {
    let refused = null;
    const done = await confirmDialog({
      title: 'Decline this invitation?',
      body: h('p', null, `${invite.inviter_name} will see that you declined, and the link will stop working. ` +
        `You will not get access to ${invite.client_name}.`),
      confirm: 'Decline Invitation',
      cancel: 'Keep it',
      run: async () => {
        try {
          await call('POST', '/invites/decline', { token });
        } catch (err) {
          if (!(err instanceof ApiError) || err.status !== 410) throw err;
          refused = err;
        }
      },
    });
    if (!done) return;
    dead(refused ? linkCode(refused) : 'declined_now');
  });
  return h('section', { class: 'card decline-card', 'aria-labelledby': 'decline-title' },
    h('h2', { id: 'decline-title' }, 'Not for you?'),
    h('p', { class: 'muted' }, 'If you do not want access to this account, decline: the sender sees your answer and the link stops working.'),
    h('div', { class: 'form-actions' }, btn));
}

// Accepting moves the visitor into the account, in the Client Area.
function landInAccount() {
  location.assign('/portal/?joined=1');
}

// The page's code for a refused link: a declined one is told apart from
// a cancelled one by its message (both are 410 invite_cancelled).
function linkCode(err) {
  if (err.code === 'invite_cancelled' && /declined/i.test(err.message)) return 'invite_declined';
  return err.code;
}

function acceptError(err, form) {
  if (err instanceof ApiError && ['invite_not_found', 'invite_expired', 'invite_cancelled', 'invite_used'].includes(err.code)) {
    dead(linkCode(err));
    return true;
  }
  if (err instanceof ApiError && err.code === 'two_factor_required') {
    fieldError(form, null, `${invite.client_name} requires two-factor authentication. Turn it on under Security, then open this invitation link again.`);
    form.querySelector('.form-alert').append(' ', h('a', { href: '/portal/#security' }, 'Set up two-factor authentication'));
    return true;
  }
  if (err instanceof ApiError && err.code === 'already_member') {
    fieldError(form, null, `You already have access to ${invite.client_name}. The invitation stays open for someone else to use.`);
    form.querySelector('.form-alert').append(' ', h('a', { href: '/portal/' }, 'Go to the Client Area'));
    return true;
  }
  return false;
}

function signedIn(me) {
  const form = h('form', { id: 'accept-form', novalidate: true },
    h('p', null, 'You are signed in as ', h('strong', null, fullName(me.user) || me.user.email),
      fullName(me.user) ? ` (${me.user.email})` : null, '.'),
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', id: 'accept' }, 'Accept Invitation'),
      h('button', { type: 'button', class: 'linkish', id: 'not-me' }, 'Not you? Sign out')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    let failure = null;
    const r = await submitting(form, async () => {
      try {
        return await call('POST', '/invites/accept', { token });
      } catch (err) {
        failure = err;
        throw err;
      }
    });
    if (r) landInAccount();
    else if (failure) acceptError(failure, form);
  });
  form.querySelector('#not-me').addEventListener('click', async () => {
    try {
      await call('POST', '/auth/logout');
    } catch {
      /* already gone */
    }
    signedOut();
  });
  fill(view, summary(),
    h('section', { class: 'card auth-card', 'aria-labelledby': 'accept-title' },
      h('h2', { id: 'accept-title' }, 'Accept the invitation'), form),
    declineCard());
  form.querySelector('#accept').focus();
}

function signedOut() {
  const login = h('form', { id: 'invite-login', novalidate: true, dataset: { resetLink: '/reset-password' } },
    h('div', { class: 'field' },
      h('label', { for: 'login-email' }, 'Email address'),
      h('input', { id: 'login-email', name: 'email', type: 'email', autocomplete: 'username', required: true, value: invite.email })),
    h('div', { class: 'field' },
      h('label', { for: 'login-password' }, 'Password'),
      h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Sign in and accept'),
    h('p', { class: 'auth-alt' }, h('a', { href: '/reset-password' }, 'Forgot your password?')));

  const register = h('form', { id: 'invite-register', novalidate: true },
    h('div', { class: 'row' },
      h('div', { class: 'field' },
        h('label', { for: 'reg-first' }, 'First name'),
        h('input', { id: 'reg-first', name: 'first_name', type: 'text', autocomplete: 'given-name', maxlength: '100', required: true })),
      h('div', { class: 'field' },
        h('label', { for: 'reg-last' }, 'Last name'),
        h('input', { id: 'reg-last', name: 'last_name', type: 'text', autocomplete: 'family-name', maxlength: '100', required: true }))),
    h('div', { class: 'field' },
      h('label', { for: 'reg-email' }, 'Email address'),
      h('input', { id: 'reg-email', name: 'email', type: 'email', autocomplete: 'email', maxlength: '254', required: true, value: invite.email, 'aria-describedby': 'reg-email-hint' }),
      h('p', { class: 'hint', id: 'reg-email-hint' }, 'The address the invitation was sent to. You may sign up with another one.')),
    h('div', { class: 'field' },
      h('label', { for: 'reg-password' }, 'Password'),
      h('input', { id: 'reg-password', name: 'password', type: 'password', autocomplete: 'new-password', minlength: '10', required: true, 'aria-describedby': 'reg-password-hint' }),
      h('p', { class: 'hint', id: 'reg-password-hint' }, 'At least 10 characters.')),
    h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Create account and accept'));

  login.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = values(login);
    let failure = null;
    let challenge = null;
    const r = await submitting(login, async () => {
      if (!requireFilled(login, ['email', 'password'], { email: 'your email address', password: 'your password' })) return null;
      const who = await call('POST', '/auth/login', { email: v.email, password: v.password });
      if (who.two_factor_required) {
        challenge = who.challenge;
        return null;
      }
      setCsrf(who.csrf_token);
      try {
        return await call('POST', '/invites/accept', { token });
      } catch (err) {
        failure = err;
        throw err;
      }
    }, { invalid_credentials: 'password' });
    if (challenge) secondStep(challenge);
    else if (r) landInAccount();
    else if (failure) acceptError(failure, login);
  });

  // two-factor authentication on: the code, then the acceptance
  function secondStep(challenge) {
    const step = twoFactorStep({
      challenge,
      id: 'invite-two-factor',
      onDone: async (who) => {
        setCsrf(who.csrf_token);
        try {
          await call('POST', '/invites/accept', { token });
          landInAccount();
        } catch (err) {
          if (!acceptError(err, step)) fieldError(step, null, describe(err));
        }
      },
      onRestart: (message) => {
        step.replaceWith(login);
        login.elements.password.value = '';
        fieldError(login, 'password', message);
      },
    });
    login.replaceWith(step);
    step.querySelector('input').focus();
  }

  register.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = values(register);
    let failure = null;
    const r = await submitting(register, async () => {
      if (!requireFilled(register, ['first_name', 'last_name', 'email', 'password'],
        { first_name: 'your first name', last_name: 'your last name', email: 'your email address', password: 'a password' })) return null;
      if ([...v.password].length < 10) {
        fieldError(register, 'password', 'Choose a password of at least 10 characters.');
        return null;
      }
      try {
        return await call('POST', '/invites/accept', { token, register: v });
      } catch (err) {
        failure = err;
        throw err;
      }
    }, { email_taken: 'email' });
    if (r) landInAccount();
    else if (failure) acceptError(failure, register);
  });

  // Register first: the invitee usually has no user yet (and on a phone
  // the second card is a scroll away). The invited address is in both.
  fill(view, summary(),
    h('div', { class: 'pair' },
      h('section', { class: 'card', 'aria-labelledby': 'register-title' },
        h('h2', { id: 'register-title' }, 'Register'),
        h('p', { class: 'muted' }, 'New here? Create your user and accept in one step.'),
        register),
      h('section', { class: 'card', 'aria-labelledby': 'login-title' },
        h('h2', { id: 'login-title' }, 'Login'),
        h('p', { class: 'muted' }, 'Already have a user? Sign in to accept with it.'),
        login)),
    declineCard());
}

async function boot() {
  if (!token) {
    dead('missing');
    return;
  }
  try {
    invite = (await call('POST', '/invites/lookup', { token })).invite;
  } catch (err) {
    dead(err instanceof ApiError ? linkCode(err) : 'error', describe(err));
    return;
  }
  document.title = `Invitation to ${invite.client_name} · memberd`;
  let me = null;
  try {
    me = await call('GET', '/me');
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) {
      fill(view, summary(), h('div', { class: 'alert alert-error', role: 'alert' }, describe(err)));
      return;
    }
  }
  if (me) {
    setCsrf(me.csrf_token);
    signedIn(me);
  } else {
    signedOut();
  }
}

// The same page may be given another token (a newer link pasted in).
window.addEventListener('hashchange', () => location.reload());

boot();
