// /portal/: the Client Area. "Hello, Name!" with the account switcher (its
// menu leads to the Security page, security.js, at #security), and
// User Management of the active account: its users, searched and 50 to a
// page (Manage Permissions, Remove Access), Invite New User, Invite
// Several Users (up to 50 addresses, one result each), Pending Invites
// (Edit Permissions, Resend Invite, Cancel Invite; expired and declined
// ones can be dismissed), and the account's Activity with a CSV
// download. Someone without the right to manage users gets a plain
// explanation of their own access instead, naming the owner to ask. A
// delegate (a member holding "users") acts only on users and invitations
// within its own permissions: the other rows say why they offer nothing.
// Inside "Login as User" a banner says who is signed in by which
// administrator, with the way back to the Admin Area (which ends that
// session).
import { call, describe, download, setCsrf, whenSignedOut } from './api.js';
import { $, badge, clearFlash, clearFlashOnAction, fill, flash, fullName, h, toLogin } from './dom.js';
import { confirmDialog, fieldError, requireFilled, submitting, values } from './forms.js';
import {
  invitesTable, isDeclined, isExpired, membersTable, permissionsDialog, resendButton, rowButton, rowNote, watchDelivery,
} from './people.js';
import { ALL_KEYS, grantList, permPicker } from './perms.js';
import { activityTable } from './activity.js';

const view = $('#view');
const flashBox = $('#flash');
let me = null;
// which users the table shows: a page of 50, and a search
const list = { page: 1, search: '' };
let lastData = null;

function usersPath() {
  const q = new URLSearchParams({ page: String(list.page) });
  if (list.search) q.set('search', list.search);
  return `/account/users?${q}`;
}

function accountName(a) {
  return a.company_name || `Account #${a.client_id}`;
}

function activeAccount() {
  return me.accounts.find((a) => a.client_id === me.active_client_id) || null;
}

function canManage(a) {
  return a.is_owner || a.permissions.includes('users');
}

// May the signed-in user act on someone holding keys (DESIGN.md section 3)?
function withinReach(a, keys) {
  return a.is_owner || keys.every((k) => a.permissions.includes(k));
}

function applyMe(m) {
  me = m;
  setCsrf(m.csrf_token);
  impersonationBanner();
}

// "Signed in as {user} by {admin}" while an administrator acts as the user.
function impersonationBanner() {
  const by = me.impersonated_by;
  const old = $('#impersonation');
  if (!by) {
    old?.remove();
    return;
  }
  const back = h('button', { type: 'button', class: 'btn btn-sm', id: 'return-to-admin' }, 'Return to Admin Area');
  back.addEventListener('click', async () => {
    back.disabled = true;
    try {
      await call('POST', '/auth/logout');
    } catch {
      /* the session may be over already: the Admin Area is the way on */
    }
    location.assign('/admin/');
  });
  const banner = h('div', { class: 'impersonation-banner', id: 'impersonation', role: 'region', 'aria-label': 'Signed in by an administrator' },
    h('p', null, 'Signed in as ', h('strong', null, fullName(me.user) || me.user.email), ' by ', h('strong', null, by.name),
      '. Password, email, two-factor authentication, sessions and invitations stay the user’s own.'),
    back);
  if (old) old.replaceWith(banner);
  else document.querySelector('.skip-link').after(banner);
}

async function reloadMe() {
  applyMe(await call('GET', '/me'));
}

// ---- the top bar ----

function closeMenus(except) {
  for (const d of document.querySelectorAll('details.menu[open]')) if (d !== except) d.open = false;
}

document.addEventListener('click', (e) => {
  if (!e.target.closest('details.menu')) closeMenus();
});
document.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape') return;
  const open = document.querySelector('details.menu[open]');
  if (open) {
    open.open = false;
    open.querySelector('summary').focus();
  }
});

function renderSwitcher() {
  const box = $('#account-switcher');
  const active = activeAccount();
  if (!me.accounts.length) {
    box.replaceChildren();
    return;
  }
  const items = me.accounts.map((a) => {
    const closed = a.status === 'closed';
    const current = a.client_id === me.active_client_id;
    const btn = h('button', {
      type: 'button',
      class: 'menu-item',
      disabled: closed,
      'aria-current': current ? 'true' : null,
      dataset: { clientId: a.client_id },
    },
    h('span', { class: 'grow' }, accountName(a)),
    a.is_owner ? badge('Owner', 'owner') : null,
    closed ? badge('Closed') : null,
    a.status === 'inactive' ? badge('Inactive', 'warn') : null,
    a.require_2fa && !me.user.two_factor ? badge('Needs 2FA', 'warn') : null);
    if (!closed && !current) btn.addEventListener('click', () => switchTo(a));
    if (current) btn.addEventListener('click', () => closeMenus());
    return h('li', null, btn);
  });
  const menu = h('details', { class: 'menu', id: 'account-menu' },
    // named by what it shows (WCAG 2.5.3), and what it does
    h('summary', null,
      h('span', { class: 'menu-kicker' }, 'Account'),
      h('span', { class: 'menu-label' }, active ? accountName(active) : 'Choose an account'),
      h('span', { class: 'visually-hidden' }, ', switch account')),
    h('div', { class: 'menu-panel' },
      h('div', { class: 'menu-head' }, 'Switch account'),
      h('ul', null, items)));
  menu.addEventListener('toggle', () => menu.open && closeMenus(menu));
  fill(box, menu);
}

function renderUserMenu() {
  const first = me.user.first_name || me.user.email;
  const signOut = h('button', { type: 'button', class: 'menu-item', id: 'sign-out' }, 'Sign out');
  signOut.addEventListener('click', async () => {
    try {
      await call('POST', '/auth/logout');
      location.assign('/login');
    } catch (err) {
      closeMenus();
      flash(flashBox, 'error', describe(err));
    }
  });
  const menu = h('details', { class: 'menu', id: 'hello-menu' },
    h('summary', null, h('span', { class: 'menu-label' }, `Hello, ${first}!`)),
    h('div', { class: 'menu-panel' },
      h('div', { class: 'menu-head' }, me.user.email),
      h('ul', null,
        h('li', null, h('a', { class: 'menu-item', href: '#users', id: 'menu-user-management' }, 'User Management')),
        h('li', null, h('a', { class: 'menu-item', href: '#security', id: 'menu-security' }, 'Security')),
        h('li', null, h('a', { class: 'menu-item', href: '#change-password', id: 'menu-change-password' }, 'Change password')),
        h('li', { class: 'menu-sep', 'aria-hidden': 'true' }),
        h('li', null, signOut))));
  menu.querySelector('a[href="#users"]').addEventListener('click', async (e) => {
    e.preventDefault();
    closeMenus();
    if (onSecurity()) {
      history.pushState(null, '', location.pathname + location.search);
      await render();
    }
    ($('#users-title') || $('#main')).scrollIntoView({ block: 'start' });
    $('#main').focus();
  });
  for (const a of menu.querySelectorAll('a[href="#security"], a[href="#change-password"]')) {
    a.addEventListener('click', () => closeMenus());
  }
  menu.addEventListener('toggle', () => menu.open && closeMenus(menu));
  fill($('#user-menu'), menu);
}

async function switchTo(a) {
  closeMenus();
  try {
    applyMe(await call('POST', '/me/active-account', { client_id: a.client_id }));
    if (onSecurity()) history.pushState(null, '', location.pathname + location.search);
    await render();
    flash(flashBox, 'ok', 'You are now working in ', h('strong', null, accountName(a)), '.');
  } catch (err) {
    if (err.code === 'two_factor_required') {
      needsTwoFactor(a);
      return;
    }
    flash(flashBox, 'error', describe(err));
  }
}

// An account that requires 2FA, refused to a user without it: off to
// the Security page to set it up, saying why.
async function needsTwoFactor(a) {
  history.pushState(null, '', '#security');
  await render();
  flash(flashBox, 'error', h('strong', null, accountName(a)),
    ' requires two-factor authentication. Set it up below, then switch to the account again.');
  $('#main').focus();
}

// The owner's "Require two-factor authentication" of the account.
async function settingsCard(a) {
  let settings;
  try {
    settings = await call('GET', '/account/settings');
  } catch {
    return null;
  }
  const box = h('input', { type: 'checkbox', id: 'require-2fa', checked: settings.require_2fa, disabled: !a.is_owner, 'aria-describedby': 'require-2fa-hint' });
  const line = h('p', { class: 'field-error row-error', role: 'alert', hidden: true });
  box.addEventListener('change', async () => {
    line.hidden = true;
    box.disabled = true;
    try {
      const r = await call('PATCH', '/account/settings', { require_2fa: box.checked });
      box.checked = r.settings.require_2fa;
      flash(flashBox, 'ok', r.settings.require_2fa
        ? 'Two-factor authentication is now required: members without it cannot switch to this account.'
        : 'Two-factor authentication is no longer required.');
    } catch (err) {
      box.checked = !box.checked;
      line.textContent = describe(err);
      line.hidden = false;
    } finally {
      box.disabled = false;
      box.focus();
    }
  });
  return h('section', { class: 'card', id: 'account-security', 'aria-labelledby': 'account-security-title' },
    h('div', { class: 'card-head' }, h('div', null,
      h('h2', { id: 'account-security-title' }, 'Account security'))),
    h('div', { class: 'card-body' },
      h('label', { class: a.is_owner ? 'choice' : 'choice is-disabled', for: 'require-2fa' }, box,
        h('span', { class: 'choice-text' }, 'Require two-factor authentication')),
      h('p', { class: 'hint', id: 'require-2fa-hint' }, a.is_owner
        ? 'Members without two-factor authentication cannot make this account active or accept its invitations. The 2FA column shows who has it.'
        : 'Only the owner can change this. Members without two-factor authentication cannot make this account active.'),
      line));
}

// ---- the page ----

function pageHead(a) {
  return h('div', { class: 'page-head' },
    h('div', null,
      h('h1', { id: 'page-title' }, 'User Management'),
      h('p', { id: 'account-line' },
        h('strong', { id: 'account-name' }, accountName(a)), ' ',
        a.is_owner ? badge('Owner', 'owner') : badge('Member', 'info'))));
}

function noAccount() {
  const waiting = me.accounts.filter((a) => a.status !== 'closed' && a.require_2fa && !me.user.two_factor);
  if (waiting.length) {
    fill(view,
      h('div', { class: 'page-head' }, h('div', null,
        h('h1', { id: 'page-title' }, `Hello, ${me.user.first_name || me.user.email}!`),
        h('p', null, 'Welcome to the Client Area.'))),
      h('section', { class: 'card form-card', id: 'needs-2fa' },
        h('div', { class: 'card-body' },
          h('h2', null, 'Two-factor authentication required'),
          h('p', null, waiting.map(accountName).join(', '),
            waiting.length === 1 ? ' requires ' : ' require ',
            'two-factor authentication of its users. Set it up, then choose the account in the switcher.'),
          h('div', { class: 'form-actions' },
            h('a', { class: 'btn btn-primary', href: '#security', id: 'go-security' }, 'Set up two-factor authentication')))));
    return;
  }
  fill(view,
    h('div', { class: 'page-head' }, h('div', null,
      h('h1', { id: 'page-title' }, `Hello, ${me.user.first_name || me.user.email}!`),
      h('p', null, 'Welcome to the Client Area.'))),
    h('section', { class: 'card form-card', id: 'no-account' },
      h('div', { class: 'card-body' },
        h('h2', null, 'No client account yet'),
        h('p', null, 'Your user is not linked to any client account. When the owner of an account invites you, ' +
          'open the link in the invitation email and accept it: the account then appears here.'),
        h('p', { class: 'muted' }, `You are signed in as ${me.user.email}.`))));
}

// A member without the right to manage users: what they hold, and whom to ask.
function plainAccess(a) {
  const leave = h('button', { type: 'button', class: 'btn btn-link-danger', id: 'leave-account' }, 'Remove my access');
  leave.addEventListener('click', () => confirmDialog({
    title: 'Remove your access?',
    body: h('p', null, `You will no longer reach ${accountName(a)}. Only its owner can give you access again.`),
    confirm: 'Remove my access',
    run: () => call('DELETE', `/account/users/${me.user.id}`),
  }).then(async (done) => {
    if (!done) return;
    await reloadMe();
    await render();
    flash(flashBox, 'ok', `You no longer have access to ${accountName(a)}.`);
  }));
  fill(view, pageHead(a),
    h('section', { class: 'card', id: 'no-manage', 'aria-labelledby': 'no-manage-title' },
      h('div', { class: 'card-head' }, h('div', null, h('h2', { id: 'no-manage-title' }, 'Your access to this account'))),
      h('div', { class: 'card-body' },
        h('p', { id: 'ask-owner' }, 'The users of ', h('strong', null, accountName(a)),
          ' are managed by its owner and by users allowed to manage users. ' +
          'If someone needs access, or you need more, ask the account owner',
          a.owner_name ? [', ', h('strong', { id: 'owner-name' }, a.owner_name)] : null, '.'),
        h('h3', null, 'You may:'),
        grantList(a.permissions),
        h('div', { class: 'form-actions' }, leave))));
}

function membersCard(a, data) {
  const users = data.users;
  const allowed = a.is_owner ? ALL_KEYS : a.permissions;
  const actions = (m) => {
    if (m.is_owner) return [];
    const self = m.user_id === me.user.id;
    if (!self && !withinReach(a, m.permissions)) {
      return [rowNote('Holds permissions you do not have: only the owner can change or remove this user.')];
    }
    return [
      rowButton('Manage Permissions', async () => {
        // giving up "users" ends one's own User Management of the account
        const confirm = async (keys) => !self || a.is_owner || keys.includes('users') || confirmDialog({
          title: 'Stop managing users?',
          body: [
            h('p', null, `Without “Manage users and invitations” you can no longer manage the users and invitations of ${accountName(a)}, ` +
              'and invitations you sent that are still pending are cancelled.'),
            h('p', null, 'Only the owner, or another user allowed to manage users, can give it back.'),
          ],
          confirm: 'Remove my permission',
          cancel: 'Keep it',
        });
        const saved = await permissionsDialog({
          member: m,
          allowed,
          confirm,
          save: (keys) => call('PATCH', `/account/users/${m.user_id}`, { permissions: keys }),
        });
        if (!saved) return;
        if (self) {
          // my own rights changed: the page may no longer be mine to see
          await reloadMe();
          await render();
          flash(flashBox, 'ok', 'Your permissions on ', h('strong', null, accountName(a)), ' were saved.');
          return;
        }
        await refresh();
        flash(flashBox, 'ok', `Permissions of ${m.email} saved.`);
      }, { asks: true }),
      rowButton(self ? 'Leave' : 'Remove Access', async () => {
        const done = await confirmDialog({
          title: self ? 'Remove your own access?' : 'Remove access?',
          body: h('p', null, self
            ? `You will no longer reach ${accountName(a)}.`
            : `${fullName(m) || m.email} (${m.email}) will no longer reach ${accountName(a)}. Their user is not deleted, and they keep access to other accounts.`),
          confirm: 'Remove Access',
          run: () => call('DELETE', `/account/users/${m.user_id}`),
        });
        if (!done) return;
        if (self) {
          await reloadMe();
          await render();
          flash(flashBox, 'ok', `You no longer have access to ${accountName(a)}.`);
          return;
        }
        await refresh();
        flash(flashBox, 'ok', `${m.email} no longer has access to ${accountName(a)}.`);
      }, { kind: 'btn-link-danger', asks: true }),
    ];
  };
  const total = data.total ?? users.length;
  return h('section', { class: 'card', id: 'users', 'aria-labelledby': 'users-title' },
    h('div', { class: 'card-head' },
      h('div', null,
        h('h2', { id: 'users-title' }, 'Users', h('span', { class: 'count', id: 'users-count' }, String(total))),
        h('p', null, 'Everyone who can sign in to this account, and what each may do.')),
      searchForm()),
    users.length
      ? membersTable(users, { selfId: me.user.id, actions, caption: `Users of ${accountName(a)}` })
      : h('p', { class: 'empty', id: 'no-users' }, list.search ? `No user matches “${list.search}”.` : 'No users on this page.'),
    pager(data));
}

// Search the users (and invitations) by name or email; Enter searches.
function searchForm() {
  const input = h('input', { id: 'users-search', name: 'search', type: 'search', value: list.search, maxlength: '200', autocomplete: 'off' });
  const clear = list.search
    ? h('button', { type: 'button', class: 'btn btn-sm', id: 'search-clear' }, 'Clear')
    : null;
  const form = h('form', { class: 'search-form', role: 'search', id: 'users-search-form', novalidate: true },
    h('label', { for: 'users-search', class: 'visually-hidden' }, 'Search users by name or email'),
    input,
    h('button', { type: 'submit', class: 'btn btn-sm' }, 'Search'),
    clear);
  const go = async (text) => {
    list.search = text.trim();
    list.page = 1;
    await refresh();
    $('#users-search')?.focus();
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    go(input.value).catch((err) => flash(flashBox, 'error', describe(err)));
  });
  clear?.addEventListener('click', () => go('').catch((err) => flash(flashBox, 'error', describe(err))));
  return form;
}

// "Showing 51–100 of 10,000" with Previous and Next, when there is more
// than a page.
function pager(data) {
  const total = data.total ?? data.users.length;
  const per = data.per_page || 50;
  if (total <= per && list.page === 1) return null;
  const first = total ? (list.page - 1) * per + 1 : 0;
  const last = Math.min(total, (list.page - 1) * per + data.users.length);
  const pages = Math.max(1, Math.ceil(total / per));
  const go = (page, which) => async () => {
    list.page = page;
    try {
      await refresh();
    } catch (err) {
      flash(flashBox, 'error', describe(err));
      return;
    }
    // the same button, or its twin when this one has no page left to go to
    const again = [`#users-${which}`, `#users-${which === 'next' ? 'prev' : 'next'}`].map((q) => $(q)).find((b) => b && !b.disabled);
    (again || $('#users-search')).focus();
  };
  const prev = h('button', { type: 'button', class: 'btn btn-sm', id: 'users-prev', disabled: list.page <= 1 }, 'Previous');
  const next = h('button', { type: 'button', class: 'btn btn-sm', id: 'users-next', disabled: list.page >= pages }, 'Next');
  prev.addEventListener('click', go(list.page - 1, 'prev'));
  next.addEventListener('click', go(list.page + 1, 'next'));
  return h('nav', { class: 'pager', 'aria-label': 'Pages of users' },
    h('span', { id: 'users-range', role: 'status' }, `Showing ${first.toLocaleString('en-GB')}–${last.toLocaleString('en-GB')} of ${total.toLocaleString('en-GB')} · page ${list.page} of ${pages}`),
    h('div', { class: 'btns' }, prev, next));
}

// Pending invitations first, then the expired ones (which can be resent),
// then those their recipient declined.
const invitesOf = (data) => [...data.invites, ...(data.expired_invites || []), ...(data.declined_invites || [])];

function dismissButton(inv) {
  return rowButton('Dismiss', async () => {
    await call('POST', `/account/invites/${inv.id}/dismiss`);
    await refresh();
    flash(flashBox, 'ok', `The invitation to ${inv.email} was taken off the list.`);
  });
}

function editButton(a, inv) {
  return rowButton('Edit Permissions', async () => {
    const saved = await permissionsDialog({
      member: inv,
      allowed: a.is_owner ? ALL_KEYS : a.permissions,
      title: 'Edit Invitation',
      lede: `What ${inv.email} will be able to do once they accept. The link they were sent stays the same.`,
      save: (keys) => call('PATCH', `/account/invites/${inv.id}`, { permissions: keys }),
    });
    if (!saved) return;
    await refresh();
    flash(flashBox, 'ok', `The invitation to ${inv.email} now grants the new permissions.`);
  }, { asks: true });
}

function invitesCard(a, invites) {
  const actions = (inv) => {
    if (!withinReach(a, inv.permissions)) {
      return [rowNote('Grants permissions you do not have: only the owner can resend or cancel it.')];
    }
    if (isDeclined(inv)) return [dismissButton(inv)];
    return [
      isExpired(inv) ? null : editButton(a, inv),
      resendButton(inv, async () => {
        const r = await call('POST', `/account/invites/${inv.id}/resend`);
        await refresh();
        flash(flashBox, 'ok', `A new invitation was sent to ${r.invite.email}. The link in the earlier email no longer works.`);
      }),
      isExpired(inv) ? null : rowButton('Cancel Invite', async () => {
        const done = await confirmDialog({
          title: 'Cancel this invitation?',
          body: h('p', null, `The link sent to ${inv.email} will stop working. You can invite them again later.`),
          confirm: 'Cancel Invite',
          cancel: 'Keep it',
          run: () => call('POST', `/account/invites/${inv.id}/cancel`),
        });
        if (!done) return;
        await refresh();
        flash(flashBox, 'ok', `The invitation to ${inv.email} was cancelled.`);
      }, { kind: 'btn-link-danger', asks: true }),
      isExpired(inv) ? dismissButton(inv) : null,
    ].filter(Boolean);
  };
  return h('section', { class: 'card', id: 'pending-invites', 'aria-labelledby': 'invites-title' },
    h('div', { class: 'card-head' }, h('div', null,
      h('h2', { id: 'invites-title' }, 'Pending Invites', h('span', { class: 'count' }, String(invites.length))),
      h('p', null, 'Invitations not yet accepted, those that expired and those declined. Each link works once, for 7 days; resending makes a new one.'))),
    invites.length
      ? invitesTable(invites, { actions, caption: 'Pending invitations' })
      : h('p', { class: 'empty', id: 'no-invites' }, 'No pending invites.'));
}

function inviteCard(a) {
  const allowed = a.is_owner ? ALL_KEYS : a.permissions;
  const picker = permPicker({ allowed });
  const form = h('form', { id: 'invite-form', novalidate: true },
    h('div', { class: 'field' },
      h('label', { for: 'invite-email' }, 'Email address'),
      h('input', { id: 'invite-email', name: 'email', type: 'email', autocomplete: 'off', maxlength: '254', required: true, 'aria-describedby': 'invite-email-hint' }),
      h('p', { class: 'hint', id: 'invite-email-hint' },
        'They get an email with a link valid for 7 days. They may accept with an existing user or create one, with any email address.')),
    picker.el,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Send Invite')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = values(form);
    const r = await submitting(form, async () => {
      if (!requireFilled(form, ['email'], { email: 'the email address to invite' })) return null;
      const permissions = picker.get();
      if (!permissions) {
        fieldError(form, 'permissions', 'Choose at least one permission, or choose All Permissions.');
        return null;
      }
      return call('POST', '/account/invites', { email: v.email, permissions });
    }, { already_member: 'email', invite_pending: 'email', email_taken: 'email', forbidden: 'permissions' });
    if (!r) return;
    form.reset();
    picker.reset();
    await refresh();
    flash(flashBox, 'ok', 'Invitation sent to ', h('strong', null, r.invite.email), '.');
    $('#invite-email').focus();
  });
  return h('section', { class: 'card', id: 'invite-new-user', 'aria-labelledby': 'invite-title' },
    h('div', { class: 'card-head' }, h('div', null,
      h('h2', { id: 'invite-title' }, 'Invite New User'),
      h('p', null, 'Give someone access to this account.'))),
    h('div', { class: 'card-body' }, form));
}

const BULK_MAX = 50;
const BULK_WORDS = {
  invited: ['Invited', 'ok'],
  already_member: ['Already a member', 'info'],
  invite_pending: ['Already invited: resend it from Pending Invites', 'warn'],
  invalid: ['Not a valid email address', 'danger'],
  limited: ['Not sent: over a limit on invitations, try again later', 'danger'],
};

// The addresses typed or pasted: commas, semicolons, spaces or lines
// between them; each once (whatever its case).
function addressesOf(text) {
  const seen = new Set();
  return text.split(/[\s,;]+/).filter((x) => {
    const k = x.toLowerCase();
    if (!x || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

// Invite Several Users: opened on demand (one button), so the page keeps
// a single permission picker until it is wanted.
function bulkCard(a) {
  const open = h('button', { type: 'button', class: 'btn', id: 'bulk-open', 'aria-expanded': 'false', 'aria-controls': 'bulk-body' }, 'Invite several at once');
  const body = h('div', { class: 'card-body', id: 'bulk-body' }, open);
  open.addEventListener('click', () => {
    fill(body, bulkForm(a));
    $('#bulk-emails').focus();
  });
  return h('section', { class: 'card', id: 'invite-several', 'aria-labelledby': 'bulk-title' },
    h('div', { class: 'card-head' }, h('div', null,
      h('h2', { id: 'bulk-title' }, 'Invite Several Users'),
      h('p', null, 'Paste a list of addresses to invite them all with the same permissions.'))),
    body);
}

function bulkForm(a) {
  const allowed = a.is_owner ? ALL_KEYS : a.permissions;
  const picker = permPicker({ allowed, name: 'bulk-scope' });
  const results = h('div', { id: 'bulk-results', 'aria-live': 'polite' });
  const form = h('form', { id: 'bulk-form', novalidate: true },
    h('div', { class: 'field' },
      h('label', { for: 'bulk-emails' }, 'Email addresses'),
      h('textarea', { id: 'bulk-emails', name: 'emails', rows: '4', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'bulk-emails-hint' }),
      h('p', { class: 'hint', id: 'bulk-emails-hint' }, `Up to ${BULK_MAX}, separated by commas, spaces or new lines. Each gets its own invitation with the permissions below.`)),
    picker.el,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Send Invites')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    results.replaceChildren();
    const emails = addressesOf(form.elements.emails.value);
    const r = await submitting(form, async () => {
      if (!emails.length) {
        fieldError(form, 'emails', 'Enter the email addresses to invite.');
        return null;
      }
      if (emails.length > BULK_MAX) {
        fieldError(form, 'emails', `At most ${BULK_MAX} addresses at once: you entered ${emails.length}.`);
        return null;
      }
      const permissions = picker.get();
      if (!permissions) {
        fieldError(form, 'permissions', 'Choose at least one permission, or choose All Permissions.');
        return null;
      }
      return call('POST', '/account/invites/bulk', { emails, permissions });
    }, { forbidden: 'permissions' });
    if (!r) return;
    const sent = r.results.filter((x) => x.status === 'invited').length;
    // what was not sent stays in the box, to fix or try again
    form.elements.emails.value = r.results.filter((x) => x.status !== 'invited' && x.status !== 'already_member' && x.status !== 'invite_pending')
      .map((x) => x.email).join('\n');
    fill(results,
      h('p', { role: 'status', id: 'bulk-summary' }, `${sent} of ${r.results.length} invitations sent.`),
      h('ul', { class: 'bulk-list' }, r.results.map((x) => {
        const [words, kind] = BULK_WORDS[x.status] || [x.status, 'info'];
        return h('li', { dataset: { status: x.status, email: x.email } }, h('strong', null, x.email), ' ', badge(words, kind));
      })));
    if (sent) await refresh();
  });
  return [form, results];
}

// The account's Activity: newest first, 50 a page, and all of it as CSV.
async function activityCard(a, page = 1) {
  let r;
  try {
    r = await call('GET', `/account/activity?page=${page}`);
  } catch (err) {
    return h('section', { class: 'card', id: 'activity', 'aria-labelledby': 'activity-title' },
      h('div', { class: 'card-head' }, h('div', null, h('h2', { id: 'activity-title' }, 'Activity'))),
      h('div', { class: 'card-body' }, h('div', { class: 'alert alert-error', role: 'alert' }, describe(err))));
  }
  const entries = r.entries || [];
  const first = (r.page - 1) * r.per_page + 1;
  const last = first + entries.length - 1;
  const csv = h('button', { type: 'button', class: 'btn btn-sm', id: 'activity-csv' }, 'Download CSV');
  const csvError = h('p', { class: 'field-error', role: 'alert', hidden: true });
  csv.addEventListener('click', async () => {
    csvError.hidden = true;
    try {
      await download('/account/activity', 'text/csv', `activity-${a.client_id}.csv`);
    } catch (err) {
      csvError.textContent = describe(err);
      csvError.hidden = false;
    }
  });
  const move = (p, which) => async () => {
    const card = await activityCard(a, p);
    $('#activity').replaceWith(card);
    const again = [`#activity-${which}`, `#activity-${which === 'older' ? 'newer' : 'older'}`].map((q) => $(q)).find((b) => b && !b.disabled);
    (again || $('#activity-csv')).focus();
  };
  let nav = null;
  if (r.total > entries.length || r.page > 1) {
    const newer = h('button', { type: 'button', class: 'btn btn-sm', id: 'activity-newer', disabled: r.page <= 1 }, 'Newer');
    const older = h('button', { type: 'button', class: 'btn btn-sm', id: 'activity-older', disabled: last >= r.total }, 'Older');
    newer.addEventListener('click', move(r.page - 1, 'newer'));
    older.addEventListener('click', move(r.page + 1, 'older'));
    nav = h('nav', { class: 'pager', 'aria-label': 'Pages of activity' },
      h('span', null, entries.length ? `Showing ${first}–${last} of ${r.total}` : `Nothing on this page of ${r.total}`),
      h('div', { class: 'btns' }, newer, older));
  }
  return h('section', { class: 'card', id: 'activity', 'aria-labelledby': 'activity-title' },
    h('div', { class: 'card-head' },
      h('div', null,
        h('h2', { id: 'activity-title' }, 'Activity', h('span', { class: 'count' }, String(r.total))),
        h('p', null, 'Every change to who can reach this account, newest first.')),
      h('div', null, csv, csvError)),
    entries.length
      ? activityTable(entries, `Activity of ${accountName(a)}`)
      : h('p', { class: 'empty' }, 'Nothing has happened on this account yet.'),
    nav);
}

// Re-read the users and invites of the active account and redraw them,
// keeping the invite forms as they are; the activity follows.
async function refresh() {
  const a = activeAccount();
  const data = await call('GET', usersPath());
  lastData = data;
  $('#users').replaceWith(membersCard(a, data));
  $('#pending-invites').replaceWith(invitesCard(a, invitesOf(data)));
  watchInvites();
  // the activity follows, without holding up whoever waits for the users
  activityCard(a).then((act) => $('#activity')?.replaceWith(act));
}

// The Delivery badges follow the mailer without a reload.
function watchInvites() {
  watchDelivery(invitesOf(lastData), async () => {
    lastData = await call('GET', usersPath());
    return invitesOf(lastData);
  });
}

// The Security page (security.js): #security, or #change-password for
// its password form.
const SECURITY_HASHES = ['#security', '#change-password'];
const onSecurity = () => SECURITY_HASHES.includes(location.hash);

async function renderSecurityPage() {
  const { renderSecurity } = await import('./security.js');
  renderSecurity({
    view, flashBox, me, reloadMe,
    onChanged: () => {
      renderSwitcher();
      renderUserMenu();
    },
  });
  const target = location.hash === '#change-password' ? $('#current-password') : $('#page-title');
  if (location.hash === '#change-password') $('#change-password').scrollIntoView({ block: 'start' });
  if (target) {
    if (!target.matches('input')) target.setAttribute('tabindex', '-1');
    target.focus({ preventScroll: location.hash === '#change-password' });
  }
}

window.addEventListener('hashchange', () => {
  if (me && (onSecurity() || !location.hash)) render();
});

async function render() {
  renderSwitcher();
  renderUserMenu();
  clearFlash(flashBox);
  if (onSecurity()) {
    await renderSecurityPage();
    return;
  }
  const a = activeAccount();
  if (!a) {
    noAccount();
    return;
  }
  document.title = `User Management · ${accountName(a)}`;
  if (!canManage(a)) {
    plainAccess(a);
    return;
  }
  fill(view, pageHead(a), h('p', { class: 'loading', role: 'status' }, 'Loading users…'));
  list.page = 1;
  list.search = '';
  let data;
  try {
    data = await call('GET', usersPath());
    lastData = data;
  } catch (err) {
    if (err.status === 403) {
      plainAccess(a);
      return;
    }
    fill(view, pageHead(a), h('div', { class: 'alert alert-error', role: 'alert' }, describe(err)));
    return;
  }
  const settings = await settingsCard(a);
  fill(view, pageHead(a), membersCard(a, data), inviteCard(a), bulkCard(a), invitesCard(a, invitesOf(data)), settings,
    h('section', { class: 'card', id: 'activity', 'aria-labelledby': 'activity-title' },
      h('div', { class: 'card-head' }, h('div', null, h('h2', { id: 'activity-title' }, 'Activity'))),
      h('p', { class: 'loading', role: 'status' }, 'Loading the activity…')));
  watchInvites();
  const act = await activityCard(a);
  if (activeAccount()?.client_id === a.client_id) $('#activity')?.replaceWith(act);
}

async function boot() {
  // a session that ends while the page is open: back to sign in, then here
  whenSignedOut(() => toLogin());
  clearFlashOnAction(flashBox);
  try {
    applyMe(await call('GET', '/me'));
  } catch (err) {
    if (err.status !== 401) fill(view, h('div', { class: 'alert alert-error', role: 'alert' }, describe(err)));
    return;
  }
  if (!activeAccount()) {
    // not one that requires 2FA of a user without it: that would be 403
    const open = me.accounts.find((a) => a.status !== 'closed' && (!a.require_2fa || me.user.two_factor));
    if (open) {
      try {
        applyMe(await call('POST', '/me/active-account', { client_id: open.client_id }));
      } catch {
        /* the page explains there is no account */
      }
    }
  }
  await render();
  if (new URLSearchParams(location.search).has('joined')) {
    history.replaceState(null, '', location.pathname);
    const a = activeAccount();
    if (a) flash(flashBox, 'ok', 'Invitation accepted. Welcome to ', h('strong', null, accountName(a)), '.');
  }
}

boot();
