// /portal/: the Client Area. "Hello, Name!" with the account switcher, and
// User Management of the active account: its users (Manage Permissions,
// Remove Access), Invite New User, and Pending Invites (Resend Invite,
// Cancel Invite). Someone without the right to manage users gets a plain
// explanation of their own access instead. A delegate (a member holding
// "users") acts only on users and invitations within its own permissions:
// the other rows say why they offer nothing. Inside "Login as User" a
// banner says who is signed in by which administrator, with the way
// back to the Admin Area (which ends that session).
import { call, describe, setCsrf, whenSignedOut } from './api.js';
import { $, badge, clearFlash, clearFlashOnAction, fill, flash, fullName, h, toLogin } from './dom.js';
import { confirmDialog, fieldError, requireFilled, submitting, values } from './forms.js';
import { invitesTable, isExpired, membersTable, permissionsDialog, resendButton, rowButton, rowNote, watchDelivery } from './people.js';
import { ALL_KEYS, grantList, permPicker } from './perms.js';

const view = $('#view');
const flashBox = $('#flash');
let me = null;

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
    a.status === 'inactive' ? badge('Inactive', 'warn') : null);
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
        h('li', null, h('a', { class: 'menu-item', href: '/reset-password' }, 'Change password')),
        h('li', { class: 'menu-sep', 'aria-hidden': 'true' }),
        h('li', null, signOut))));
  menu.querySelector('a[href="#users"]').addEventListener('click', (e) => {
    e.preventDefault();
    closeMenus();
    ($('#users-title') || $('#main')).scrollIntoView({ block: 'start' });
    $('#main').focus();
  });
  menu.addEventListener('toggle', () => menu.open && closeMenus(menu));
  fill($('#user-menu'), menu);
}

async function switchTo(a) {
  closeMenus();
  try {
    applyMe(await call('POST', '/me/active-account', { client_id: a.client_id }));
    await render();
    flash(flashBox, 'ok', 'You are now working in ', h('strong', null, accountName(a)), '.');
  } catch (err) {
    flash(flashBox, 'error', describe(err));
  }
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
        h('p', null, 'The users of ', h('strong', null, accountName(a)),
          ' are managed by its owner and by users allowed to manage users. ' +
          'If someone needs access, or you need more, ask the account owner.'),
        h('h3', null, 'You may:'),
        grantList(a.permissions),
        h('div', { class: 'form-actions' }, leave))));
}

function membersCard(a, users) {
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
  return h('section', { class: 'card', id: 'users', 'aria-labelledby': 'users-title' },
    h('div', { class: 'card-head' }, h('div', null,
      h('h2', { id: 'users-title' }, 'Users', h('span', { class: 'count' }, String(users.length))),
      h('p', null, 'Everyone who can sign in to this account, and what each may do.'))),
    membersTable(users, { selfId: me.user.id, actions, caption: `Users of ${accountName(a)}` }));
}

// Pending invitations first, then the expired ones (which can be resent).
const invitesOf = (data) => [...data.invites, ...(data.expired_invites || [])];

function invitesCard(a, invites) {
  const actions = (inv) => {
    if (!withinReach(a, inv.permissions)) {
      return [rowNote('Grants permissions you do not have: only the owner can resend or cancel it.')];
    }
    return [
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
    ].filter(Boolean);
  };
  return h('section', { class: 'card', id: 'pending-invites', 'aria-labelledby': 'invites-title' },
    h('div', { class: 'card-head' }, h('div', null,
      h('h2', { id: 'invites-title' }, 'Pending Invites', h('span', { class: 'count' }, String(invites.length))),
      h('p', null, 'Invitations not yet accepted, and those that expired. Each link works once, for 7 days; resending makes a new one.'))),
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

// Re-read the users and invites of the active account and redraw them,
// keeping the invite form as it is.
async function refresh() {
  const a = activeAccount();
  const data = await call('GET', '/account/users');
  $('#users').replaceWith(membersCard(a, data.users));
  $('#pending-invites').replaceWith(invitesCard(a, invitesOf(data)));
  watchInvites(data);
}

// The Delivery badges follow the mailer without a reload.
function watchInvites(data) {
  watchDelivery(invitesOf(data), async () => invitesOf(await call('GET', '/account/users')));
}

async function render() {
  renderSwitcher();
  renderUserMenu();
  clearFlash(flashBox);
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
  let data;
  try {
    data = await call('GET', '/account/users');
  } catch (err) {
    if (err.status === 403) {
      plainAccess(a);
      return;
    }
    fill(view, pageHead(a), h('div', { class: 'alert alert-error', role: 'alert' }, describe(err)));
    return;
  }
  fill(view, pageHead(a), membersCard(a, data.users), inviteCard(a), invitesCard(a, invitesOf(data)));
  watchInvites(data);
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
    const open = me.accounts.find((a) => a.status !== 'closed');
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
