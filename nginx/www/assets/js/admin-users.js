// The Admin Area's users (DESIGN §9): the Users directory
// (#/users?search=&page=), searched as one types, 25 a page; and a user's
// page (#/users/ID): details, the accounts they reach (links to the
// client pages), Edit, Send Password Reset, Reset 2FA (when it is on),
// Disable or Enable, Delete and Login as User. Editing is
// admin-users-edit.js's.
import { call, describe } from './api.js';
import { $, badge, fill, formatDate, fullName, h, when } from './dom.js';
import { confirmDialog } from './forms.js';
import { permSummary } from './perms.js';
import { go, parseQuery, searchList, statusBadge, view } from './admin-common.js';
import { userEditDialog } from './admin-users-edit.js';

const userName = (u) => fullName(u) || u.email;

function userBadges(u) {
  return [
    u.status === 'disabled' ? badge('Disabled', 'warn') : null,
    u.email_verified ? null : badge('Unverified', ''),
    u.two_factor ? badge('2FA', 'ok') : null,
  ].filter(Boolean);
}

export async function usersView(query) {
  const { search, page } = parseQuery(query);
  document.title = 'Users · Admin Area';
  $('#nav-users').setAttribute('aria-current', 'page');
  const { input, form, results, load } = searchList({
    what: 'users', label: 'Search users', placeholder: 'Name or email address, or part of it', table: userTable, live: true,
  });
  input.value = search;
  fill(view,
    h('div', { class: 'page-head' },
      h('div', null, h('h1', null, 'Users'), h('p', null, 'Everyone who can sign in, and the accounts each reaches.'))),
    h('section', { class: 'card' }, form, results));
  await load(search, page);
}

function userTable(r, search, goPage) {
  if (!r.users.length) {
    return h('p', { class: 'empty' }, search ? `No user matches “${search}”.` : 'No users yet.');
  }
  const first = (r.page - 1) * r.per_page + 1;
  const last = first + r.users.length - 1;
  const prev = h('button', { type: 'button', class: 'btn btn-sm', disabled: r.page <= 1 }, 'Previous');
  const next = h('button', { type: 'button', class: 'btn btn-sm', disabled: last >= r.total && !r.total_capped }, 'Next');
  prev.addEventListener('click', () => goPage(r.page - 1));
  next.addEventListener('click', () => goPage(r.page + 1));
  const of = r.total_capped ? `more than ${r.total.toLocaleString('en')}` : String(r.total);
  return h('div', null,
    h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'users-list' },
      h('caption', { class: 'visually-hidden' }, 'Users'),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'User'), h('th', { scope: 'col' }, 'Accounts'),
        h('th', { scope: 'col' }, 'Last login'), h('th', { scope: 'col' }, 'Created'))),
      h('tbody', null, r.users.map((u) => h('tr', { dataset: { userId: u.id } },
        h('td', { class: 'cell-main' },
          h('a', { href: `#/users/${u.id}`, class: 'who-name' }, userName(u)), ' ', ...userBadges(u),
          h('div', { class: 'who-email' }, u.email)),
        h('td', { 'data-label': 'Accounts' }, String(u.accounts_count)),
        h('td', { 'data-label': 'Last login', class: 'nowrap' }, when(u.last_login_at)),
        h('td', { 'data-label': 'Created', class: 'nowrap' }, formatDate(u.created_at))))))),
    h('div', { class: 'pager' },
      h('span', null, `Showing ${first}–${last} of ${of}`),
      h('div', { class: 'btns' }, prev, next)));
}

// "Login as User": a user session in this browser, then the Client Area.
export async function loginAs(userId, clientId) {
  await call('POST', `/admin/users/${userId}/login-as`, clientId ? { client_id: clientId } : {});
  location.assign('/portal/');
}

function actionButton(id, label, fn, kind = '') {
  const b = h('button', { type: 'button', class: `btn ${kind}`.trim(), id }, label);
  b.addEventListener('click', async () => {
    const line = $('#user-action-error');
    line.hidden = true;
    try {
      await fn(b);
    } catch (e) {
      line.textContent = describe(e);
      line.hidden = false;
    }
  });
  return b;
}

export async function userView(id) {
  fill(view, h('p', { class: 'loading', role: 'status' }, 'Loading the user…'));
  let data;
  try {
    data = await call('GET', `/admin/users/${id}`);
  } catch (err) {
    fill(view,
      h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/users' }, 'Users')),
      h('div', { class: 'alert alert-error', role: 'alert' }, err.status === 404 ? `There is no user #${id}.` : describe(err)));
    return;
  }
  const u = data.user;
  const reload = (msg) => go(`#/users/${u.id}`, msg);
  document.title = `${userName(u)} · Admin Area`;
  $('#nav-users').setAttribute('aria-current', 'page');
  const disabled = u.status === 'disabled';
  const actions = [
    actionButton('edit-user', 'Edit', async () => {
      const saved = await userEditDialog(u);
      if (saved) await reload(`${saved.email} saved.`);
    }),
    actionButton('send-reset', 'Send Password Reset', async () => {
      const done = await confirmDialog({
        title: 'Send a password reset?',
        body: h('p', null, `${u.email} gets a link to choose a new password, valid for an hour.`),
        confirm: 'Send Password Reset', danger: false, cancel: 'Cancel',
        run: () => call('POST', `/admin/users/${u.id}/password-reset`),
      });
      if (done) await reload(`A password reset link is on its way to ${u.email}.`);
    }),
    u.two_factor ? actionButton('reset-2fa', 'Reset 2FA', async () => {
      const done = await confirmDialog({
        title: 'Reset two-factor authentication?',
        body: h('p', null, `${userName(u)} signs in with the password alone until they set it up again; their recovery codes stop working. They get an email saying so.`),
        confirm: 'Reset 2FA', cancel: 'Cancel',
        run: () => call('POST', `/admin/users/${u.id}/2fa/reset`),
      });
      if (done) await reload(`Two-factor authentication of ${u.email} is off.`);
    }) : null,
    disabled ? null : actionButton('login-as', 'Login as User', () => loginAs(u.id)),
    actionButton('toggle-status', disabled ? 'Enable' : 'Disable', async () => {
      const done = await confirmDialog({
        title: disabled ? 'Enable this user?' : 'Disable this user?',
        body: h('p', null, disabled ? `${userName(u)} can sign in again.`
          : `${userName(u)} is signed out everywhere at once and cannot sign in until enabled again.`),
        confirm: disabled ? 'Enable' : 'Disable', danger: !disabled, cancel: 'Cancel',
        run: () => call('PATCH', `/admin/users/${u.id}`, { status: disabled ? 'active' : 'disabled' }),
      });
      if (done) await reload(`${u.email} is ${disabled ? 'enabled' : 'disabled'}.`);
    }),
    actionButton('delete-user', 'Delete', async () => {
      const done = await confirmDialog({
        title: 'Delete this user?',
        body: h('p', null, `${userName(u)} (${u.email}) is deleted with their access to every account and their sessions. This cannot be undone.`),
        confirm: 'Delete', cancel: 'Keep',
        run: () => call('DELETE', `/admin/users/${u.id}`),
      });
      if (done) go('#/users', `${u.email} was deleted.`);
    }, 'btn-danger'),
  ].filter(Boolean);
  fill(view,
    h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/users' }, 'Users'), ` / ${userName(u)}`),
    h('div', { class: 'page-head' }, h('div', null,
      h('div', { class: 'title-line' }, h('h1', { id: 'user-title' }, userName(u)), ...userBadges(u)),
      h('div', { class: 'profile-meta' },
        h('span', null, u.email), h('span', null, `User #${u.id}`), h('span', null, `Since ${formatDate(u.created_at)}`)))),
    h('div', { class: 'btns user-actions', role: 'group', 'aria-label': 'Actions' }, actions),
    h('p', { class: 'field-error', id: 'user-action-error', role: 'alert', hidden: true }),
    h('section', { class: 'card', id: 'user-details', 'aria-labelledby': 'details-title' },
      h('div', { class: 'card-head' }, h('h2', { id: 'details-title' }, 'Details')),
      h('dl', { class: 'card-body details' },
        h('dt', null, 'Status'), h('dd', { id: 'detail-status' }, disabled ? 'Disabled' : 'Active'),
        h('dt', null, 'Email address'), h('dd', null, u.email, ' ', u.email_verified ? badge('Verified', 'ok') : badge('Unverified', '')),
        h('dt', null, 'Two-factor authentication'), h('dd', { id: 'detail-2fa' }, u.two_factor ? 'On' : 'Off'),
        h('dt', null, 'Last login'), h('dd', null, when(u.last_login_at)),
        h('dt', null, 'Live sessions'), h('dd', { id: 'detail-sessions' }, String(data.sessions)))),
    h('section', { class: 'card', id: 'user-accounts', 'aria-labelledby': 'accounts-title' },
      h('div', { class: 'card-head' }, h('div', null, h('h2', { id: 'accounts-title' }, 'Accounts', h('span', { class: 'count' }, String(data.accounts.length))),
        h('p', null, 'The client accounts this user reaches, with their role and permissions.'))),
      data.accounts.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'accounts' },
        h('caption', { class: 'visually-hidden' }, `Accounts of ${userName(u)}`),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Account'), h('th', { scope: 'col' }, 'Role'),
          h('th', { scope: 'col' }, 'Permissions'), h('th', { scope: 'col' }, 'Status'))),
        h('tbody', null, data.accounts.map((a) => h('tr', { dataset: { clientId: a.client_id } },
          h('td', { class: 'cell-main' }, h('a', { href: `#/clients/${a.client_id}` }, a.company_name || `Client #${a.client_id}`)),
          h('td', { 'data-label': 'Role' }, a.is_owner ? badge('Owner', 'ok') : 'User'),
          h('td', { 'data-label': 'Permissions' }, a.is_owner ? 'All' : permSummary(a.permissions)),
          h('td', { 'data-label': 'Status' }, statusBadge(a.status)))))))
        : h('p', { class: 'empty' }, 'This user reaches no account.')));
}
