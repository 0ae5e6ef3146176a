// The Security page of the Client Area (/portal/#security): the user's
// own profile (names, and whether the address is verified), a new
// password (with the current one), a new email address (confirmed from
// the new mailbox), the sessions (this device marked, the others ended
// one by one or all at once), and the two-factor section, which its own
// module (security-2fa.js, mountTwoFactor(container)) draws when it is
// there. portal.js draws the top bar and calls renderSecurity().
import { call, describe } from './api.js';
import { $, badge, emailText, fill, flash, h, when } from './dom.js';
import { confirmDialog, fieldError, requireFilled, submitting, values } from './forms.js';
import { rowButton } from './people.js';

// "Firefox on Linux" from a User-Agent, else the header itself.
export function deviceName(ua) {
  if (!ua) return 'Unknown device';
  const browser = [['Edg/', 'Edge'], ['OPR/', 'Opera'], ['Firefox/', 'Firefox'], ['Chrome/', 'Chrome'],
    ['Safari/', 'Safari'], ['curl/', 'curl']].find(([k]) => ua.includes(k));
  const os = [['Android', 'Android'], ['iPhone', 'iPhone'], ['iPad', 'iPad'], ['Windows', 'Windows'],
    ['Mac OS X', 'macOS'], ['Linux', 'Linux']].find(([k]) => ua.includes(k));
  if (!browser) return ua.length > 60 ? `${ua.slice(0, 57)}…` : ua;
  return os ? `${browser[1]} on ${os[1]}` : browser[1];
}

function field(id, label, attrs, hint) {
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('input', { id, ...attrs, 'aria-describedby': hint ? `${id}-hint` : null }),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null);
}

function card(id, title, lede, ...body) {
  return h('section', { class: 'card', id, 'aria-labelledby': `${id}-title` },
    h('div', { class: 'card-head' }, h('div', null,
      h('h2', { id: `${id}-title` }, title),
      lede ? h('p', null, lede) : null)),
    h('div', { class: 'card-body' }, ...body));
}

export function renderSecurity({ view, flashBox, me, reloadMe, onChanged }) {
  const say = (kind, ...text) => {
    flash(flashBox, kind, ...text);
    flashBox.scrollIntoView({ block: 'nearest' });
  };

  // ---- profile ----
  const verified = me.user.email_verified;
  const resend = h('button', { type: 'button', class: 'btn btn-sm', id: 'resend-verification' }, 'Send the verification email again');
  const resendLine = h('p', { class: 'field-error', role: 'alert', id: 'resend-error', hidden: true });
  resend.addEventListener('click', async () => {
    resendLine.hidden = true;
    resend.disabled = true;
    try {
      const r = await call('POST', '/me/verify-email/resend');
      say('ok', r.message);
    } catch (err) {
      resendLine.textContent = describe(err);
      resendLine.hidden = false;
    } finally {
      resend.disabled = false;
    }
  });
  const profileForm = h('form', { id: 'profile-form', novalidate: true },
    h('div', { class: 'form-row' },
      field('profile-first', 'First name', { name: 'first_name', type: 'text', autocomplete: 'given-name', maxlength: '100', required: true, value: me.user.first_name }),
      field('profile-last', 'Last name', { name: 'last_name', type: 'text', autocomplete: 'family-name', maxlength: '100', required: true, value: me.user.last_name })),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save profile')));
  profileForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = values(profileForm);
    const r = await submitting(profileForm, async () => {
      if (!requireFilled(profileForm, ['first_name', 'last_name'], { first_name: 'your first name', last_name: 'your last name' })) return null;
      return call('PATCH', '/me', { first_name: v.first_name, last_name: v.last_name });
    });
    if (!r) return;
    await reloadMe();
    onChanged();
    say('ok', 'Your profile was saved.');
  });
  const profile = card('profile', 'Profile', 'Your name, as the accounts you belong to see it.',
    h('p', { id: 'profile-email' }, 'Email address: ', h('strong', null, emailText(me.user.email)), ' ',
      verified ? badge('Verified', 'ok') : badge('Not verified', 'warn')),
    verified ? null : h('div', { class: 'inline-note', id: 'verify-note' },
      h('p', { class: 'hint' }, 'We sent a link to this address when you registered. Open it to verify the address.'),
      resend, resendLine),
    profileForm);

  // ---- password ----
  const pwForm = h('form', { id: 'password-form', novalidate: true },
    // a hidden username helps password managers file the new password
    h('input', { type: 'text', name: 'username', autocomplete: 'username', value: me.user.email, hidden: true, 'aria-hidden': 'true', tabindex: '-1' }),
    field('current-password', 'Current password', { name: 'current_password', type: 'password', autocomplete: 'current-password', required: true }),
    field('new-password', 'New password', { name: 'new_password', type: 'password', autocomplete: 'new-password', minlength: '10', required: true }, 'At least 10 characters.'),
    field('new-password2', 'Repeat the new password', { name: 'new_password2', type: 'password', autocomplete: 'new-password', required: true }),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Change password')));
  pwForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = values(pwForm);
    const done = await submitting(pwForm, async () => {
      if (!requireFilled(pwForm, ['current_password', 'new_password'], { current_password: 'your current password', new_password: 'a new password' })) return null;
      if ([...v.new_password].length < 10) {
        fieldError(pwForm, 'new_password', 'Choose a password of at least 10 characters.');
        return null;
      }
      if (v.new_password !== v.new_password2) {
        fieldError(pwForm, 'new_password2', 'The two passwords differ. Type the same password twice.');
        return null;
      }
      await call('POST', '/me/password', { current_password: v.current_password, new_password: v.new_password });
      return true;
    }, { invalid_credentials: 'current_password', too_many_attempts: 'current_password' });
    if (!done) return;
    pwForm.reset();
    await refreshSessions();
    say('ok', 'Your password was changed. Every other session of yours was signed out.');
  });
  const password = card('change-password', 'Change password', 'Changing it signs out every other session of yours.', pwForm);

  // ---- email ----
  const emailForm = h('form', { id: 'email-form', novalidate: true },
    field('new-email', 'New email address', { name: 'email', type: 'email', autocomplete: 'email', maxlength: '254', required: true }),
    field('email-password', 'Current password', { name: 'current_password', type: 'password', autocomplete: 'current-password', required: true }),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Change email')));
  emailForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = values(emailForm);
    const done = await submitting(emailForm, async () => {
      if (!requireFilled(emailForm, ['email', 'current_password'], { email: 'the new email address', current_password: 'your current password' })) return null;
      await call('POST', '/me/email', { email: v.email, current_password: v.current_password });
      return true;
    }, { invalid_credentials: 'current_password', too_many_attempts: 'current_password', email_taken: 'email' });
    if (!done) return;
    emailForm.reset();
    say('ok', 'We sent a link to ', h('strong', null, v.email), '. Your address changes when you open it (within 24 hours); until then you sign in with ', h('strong', null, me.user.email), '.');
  });
  const email = card('change-email', 'Change email address', 'The new address must confirm itself: we send it a link, and your address changes only when it is opened.', emailForm);

  // ---- sessions ----
  const sessionsBox = h('div', { id: 'sessions-list' }, h('p', { class: 'loading', role: 'status' }, 'Loading your sessions…'));
  const others = h('button', { type: 'button', class: 'btn btn-link-danger', id: 'revoke-others' }, 'Sign out all other sessions');
  others.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: 'Sign out all other sessions?',
      body: h('p', null, 'Every other browser and device signed in as you is signed out. This one stays signed in.'),
      confirm: 'Sign out the others',
      cancel: 'Keep them',
      run: () => call('POST', '/me/sessions/revoke-others'),
    });
    if (!ok) return;
    await refreshSessions();
    say('ok', 'Every other session was signed out.');
    others.focus();
  });
  const sessions = card('sessions', 'Sessions', 'Where you are signed in. Sign out any you do not recognise, and change your password.',
    sessionsBox, h('div', { class: 'form-actions' }, others));

  function sessionsTable(list) {
    const rows = list.map((s) => h('tr', { dataset: { sessionId: s.id } },
      h('td', { class: 'cell-main' },
        h('span', { class: 'device' },
          h('strong', { title: s.user_agent || '' }, deviceName(s.user_agent)), ' ',
          s.current ? badge('This device', 'ok') : null,
          s.impersonated ? badge('Administrator', 'warn') : null)),
      h('td', { 'data-label': 'IP address' }, s.ip || h('span', { class: 'muted' }, 'Unknown')),
      h('td', { 'data-label': 'Signed in', class: 'nowrap' }, when(s.created_at)),
      h('td', { 'data-label': 'Last active', class: 'nowrap' }, when(s.last_seen_at)),
      h('td', { class: s.current ? 'actions is-empty' : 'actions', 'data-label': s.current ? null : 'Actions' },
        h('div', { class: 'btns' }, s.current ? null : rowButton('Sign out', async () => {
          await call('DELETE', `/me/sessions/${s.id}`);
          await refreshSessions();
          say('ok', `${deviceName(s.user_agent)} was signed out.`);
          $('#revoke-others')?.focus();
        }, { kind: 'btn-link-danger', title: `Sign out ${deviceName(s.user_agent)}` })),
        h('p', { class: 'field-error row-error', role: 'alert', hidden: true }))));
    return h('div', { class: 'table-wrap' },
      h('table', { class: 'list', id: 'sessions-table' },
        h('caption', { class: 'visually-hidden' }, 'Your sessions'),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, 'Device'),
          h('th', { scope: 'col' }, 'IP address'),
          h('th', { scope: 'col' }, 'Signed in'),
          h('th', { scope: 'col' }, 'Last active'),
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
        h('tbody', null, rows)));
  }

  async function refreshSessions() {
    try {
      const { sessions: list } = await call('GET', '/me/sessions');
      fill(sessionsBox, sessionsTable(list));
      others.hidden = list.length < 2;
    } catch (err) {
      fill(sessionsBox, h('div', { class: 'alert alert-error', role: 'alert' }, describe(err)));
    }
  }

  // ---- two-factor authentication: its own module, when it is there ----
  const twoFactor = h('div', { id: 'two-factor-mount' });

  fill(view,
    h('div', { class: 'page-head' }, h('div', null,
      h('h1', { id: 'page-title' }, 'Security'),
      h('p', null, 'Your profile, password, email address and where you are signed in.'))),
    profile, password, email, twoFactor, sessions);
  document.title = 'Security · Client Area';
  refreshSessions();
  import('./security-2fa.js')
    .then((m) => m.mountTwoFactor?.(twoFactor))
    .catch(() => { /* no two-factor module on this site */ });
}
