// /admin/: the Admin Area. Sign in; find a client (#/clients?search=);
// create one (#/clients/new); a client's profile with its Users tab
// (#/clients/ID: members, pending and expired invites, Associate User,
// Make Owner, Manage Permissions, Remove Access, Resend and Cancel
// Invite) and its Activity tab (#/clients/ID/activity).
import { ApiError, call, describe, setCsrf, whenSignedOut } from './api.js';
import { userPicker } from './combobox.js';
import { $, badge, clearFlash, fill, flash, formatDate, fullName, h, when } from './dom.js';
import { confirmDialog, fieldError, requireFilled, submitting, values } from './forms.js';
import { invitesTable, isExpired, membersTable, permissionsDialog, rowButton } from './people.js';
import { hasAll, permPicker, permWords } from './perms.js';

const view = $('#view');
const flashBox = $('#flash');
let admin = null;
let nextFlash = null;

const STATUS = { active: ['Active', 'ok'], inactive: ['Inactive', 'warn'], closed: ['Closed', ''] };

function statusBadge(s) {
  const [t, k] = STATUS[s] || [s, ''];
  return badge(t, k);
}

function clientName(c) {
  return c.company_name || fullName(c) || `Client #${c.id}`;
}

// Show a message after the next navigation's render.
function go(hash, message) {
  nextFlash = message || null;
  if (location.hash === hash) route();
  else location.hash = hash;
}

function showNextFlash() {
  if (nextFlash) flash(flashBox, 'ok', ...[].concat(nextFlash));
  else clearFlash(flashBox);
  nextFlash = null;
}

// ---- sign-in ----

function signIn() {
  $('#topnav').hidden = true;
  $('#admin-menu').replaceChildren();
  document.title = 'Sign in · Admin Area';
  const form = h('form', { id: 'admin-login', novalidate: true },
    h('div', { class: 'field' },
      h('label', { for: 'admin-email' }, 'Email address'),
      h('input', { id: 'admin-email', name: 'email', type: 'email', autocomplete: 'username', required: true })),
    h('div', { class: 'field' },
      h('label', { for: 'admin-password' }, 'Password'),
      h('input', { id: 'admin-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Sign in'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = values(form);
    const r = await submitting(form, async () => {
      if (!requireFilled(form, ['email', 'password'], { email: 'your email address', password: 'your password' })) return null;
      return call('POST', '/admin/auth/login', { email: v.email, password: v.password });
    }, { invalid_credentials: 'password' });
    if (!r) return;
    admin = r.admin;
    setCsrf(r.csrf_token);
    chrome();
    route();
  });
  clearFlash(flashBox);
  fill(view, h('section', { class: 'card auth-card narrow', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Admin Area'),
    h('p', { class: 'lede' }, 'Sign in with your administrator account.'),
    form));
  $('#admin-email').focus();
}

function chrome() {
  $('#topnav').hidden = false;
  const out = h('button', { type: 'button', class: 'menu-item', id: 'admin-sign-out' }, 'Sign out');
  out.addEventListener('click', async () => {
    try {
      await call('POST', '/admin/auth/logout');
      admin = null;
      setCsrf(null);
      history.replaceState(null, '', '/admin/');
      signIn();
    } catch (err) {
      flash(flashBox, 'error', describe(err));
    }
  });
  const menu = h('details', { class: 'menu', id: 'admin-account' },
    h('summary', null, h('span', { class: 'menu-label' }, admin.name || admin.email)),
    h('div', { class: 'menu-panel' },
      h('div', { class: 'menu-head' }, `Signed in as ${admin.email}`),
      h('ul', null, h('li', null, out))));
  fill($('#admin-menu'), menu);
}

// ---- clients ----

function parseQuery(q) {
  const p = new URLSearchParams(q || '');
  return { search: p.get('search') || '', page: Math.max(1, Number(p.get('page')) || 1) };
}

async function clientsView(query) {
  const { search, page } = parseQuery(query);
  document.title = 'Clients · Admin Area';
  $('#nav-clients').setAttribute('aria-current', 'page');
  const input = h('input', { id: 'client-search', name: 'search', type: 'search', value: search, placeholder: 'Company, contact name or owner email', autocomplete: 'off' });
  const results = h('div', { id: 'client-results' }, h('p', { class: 'loading', role: 'status' }, 'Searching…'));
  const form = h('form', { class: 'search-bar', role: 'search', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'client-search' }, 'Search clients'), input),
    h('button', { type: 'submit', class: 'btn' }, 'Search'));
  let timer = null;
  let asked = 0;
  const load = async (s, p) => {
    const mine = ++asked;
    history.replaceState(null, '', `#/clients${s || p > 1 ? `?${new URLSearchParams({ ...(s ? { search: s } : {}), ...(p > 1 ? { page: p } : {}) })}` : ''}`);
    try {
      const r = await call('GET', `/admin/clients?search=${encodeURIComponent(s)}&page=${p}`);
      if (mine === asked) fill(results, clientTable(r, s, (np) => load(s, np)));
    } catch (err) {
      if (mine === asked) fill(results, h('div', { class: 'card-body' }, h('div', { class: 'alert alert-error', role: 'alert' }, describe(err))));
    }
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => load(input.value.trim(), 1), 250);
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearTimeout(timer);
    load(input.value.trim(), 1);
  });
  fill(view,
    h('div', { class: 'page-head' },
      h('div', null, h('h1', null, 'Clients'), h('p', null, 'Find a client to manage who can reach its account.')),
      h('a', { class: 'btn btn-primary', href: '#/clients/new', id: 'new-client' }, 'New Client')),
    h('section', { class: 'card' }, form, results));
  await load(search, page);
}

function clientTable(r, search, goPage) {
  if (!r.clients.length) {
    return h('p', { class: 'empty' }, search ? `No client matches “${search}”.` : 'No clients yet. Create the first with New Client.');
  }
  const first = (r.page - 1) * r.per_page + 1;
  const last = first + r.clients.length - 1;
  const prev = h('button', { type: 'button', class: 'btn btn-sm', disabled: r.page <= 1 }, 'Previous');
  const next = h('button', { type: 'button', class: 'btn btn-sm', disabled: last >= r.total }, 'Next');
  prev.addEventListener('click', () => goPage(r.page - 1));
  next.addEventListener('click', () => goPage(r.page + 1));
  return h('div', null,
    h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'clients' },
      h('caption', { class: 'visually-hidden' }, 'Clients'),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'Client'), h('th', { scope: 'col' }, 'Contact'),
        h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Created'))),
      h('tbody', null, r.clients.map((c) => h('tr', { dataset: { clientId: c.id } },
        h('td', { class: 'cell-main' },
          h('a', { href: `#/clients/${c.id}`, class: 'who-name' }, clientName(c)),
          h('div', { class: 'who-email' }, `Client #${c.id}`)),
        h('td', { 'data-label': 'Contact' }, fullName(c) || h('span', { class: 'muted' }, '—')),
        h('td', { 'data-label': 'Status' }, statusBadge(c.status)),
        h('td', { 'data-label': 'Created', class: 'nowrap' }, formatDate(c.created_at))))))),
    h('div', { class: 'pager' },
      h('span', null, `Showing ${first}–${last} of ${r.total}`),
      h('div', { class: 'btns' }, prev, next)));
}

function newClientView() {
  document.title = 'New Client · Admin Area';
  const owner = userPicker({
    label: 'Owner',
    hint: 'Type a name or email and pick an existing user, or choose Create new user for a new email address. The owner holds every permission.',
    fields: 'owner owner.user_id owner.email user_id email',
  });
  const form = h('form', { id: 'new-client-form', novalidate: true },
    h('div', { class: 'field' },
      h('label', { for: 'company_name' }, 'Company name'),
      h('input', { id: 'company_name', name: 'company_name', type: 'text', maxlength: '100', autocomplete: 'organization', 'aria-describedby': 'company-hint' }),
      h('p', { class: 'hint', id: 'company-hint' }, 'Optional: leave it empty for a private person.')),
    h('div', { class: 'row' },
      h('div', { class: 'field' },
        h('label', { for: 'first_name' }, 'Contact first name'),
        h('input', { id: 'first_name', name: 'first_name', type: 'text', maxlength: '100', required: true })),
      h('div', { class: 'field' },
        h('label', { for: 'last_name' }, 'Contact last name'),
        h('input', { id: 'last_name', name: 'last_name', type: 'text', maxlength: '100', required: true }))),
    h('div', { class: 'field' },
      h('label', { for: 'status' }, 'Status'),
      h('select', { id: 'status', name: 'status' },
        h('option', { value: 'active' }, 'Active'),
        h('option', { value: 'inactive' }, 'Inactive'),
        h('option', { value: 'closed' }, 'Closed'))),
    owner.el,
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create Client'),
      h('a', { class: 'btn', href: '#/clients' }, 'Cancel')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = values(form);
    const r = await submitting(form, async () => {
      if (!requireFilled(form, ['first_name', 'last_name'], { first_name: 'the contact’s first name', last_name: 'the contact’s last name' })) return null;
      const o = owner.get();
      if (!o) {
        fieldError(form, 'owner', 'Pick the owner from the list, or type an email address and choose Create new user.');
        return null;
      }
      try {
        return await call('POST', '/admin/clients', {
          company_name: v.company_name,
          first_name: v.first_name,
          last_name: v.last_name,
          status: v.status,
          owner: o.user ? { user_id: o.user.id } : { email: o.email },
        });
      } catch (err) {
        if (!(err instanceof ApiError) || err.code !== 'email_unverified') throw err;
        // someone registered the address and never proved it is theirs
        fieldError(form, 'owner', `A user registered ${o.email} but has not verified it: anyone can register any address, ` +
          'so it is not made the owner by its address. Pick that user from the list only once you have checked who they are, or choose another owner.');
        return null;
      }
    });
    if (r) go(`#/clients/${r.client.id}`, ['Client ', h('strong', null, clientName(r.client)), ' created.']);
  });
  fill(view,
    h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/clients' }, 'Clients'), ' / New Client'),
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'New Client'),
      h('p', null, 'A client account, and the user who owns it.'))),
    h('section', { class: 'card form-card' }, h('div', { class: 'card-body' }, form)));
  $('#company_name').focus();
}

// ---- a client's profile ----

async function profileView(id, tab, query) {
  fill(view, h('p', { class: 'loading', role: 'status' }, 'Loading the client…'));
  let data;
  try {
    data = await call('GET', `/admin/clients/${id}`);
  } catch (err) {
    fill(view,
      h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/clients' }, 'Clients')),
      h('div', { class: 'alert alert-error', role: 'alert' }, err.status === 404 ? `There is no client #${id}.` : describe(err)));
    return;
  }
  const c = data.client;
  const owner = data.users.find((m) => m.is_owner);
  document.title = `${clientName(c)} · Admin Area`;
  const tabs = h('nav', { class: 'tabs', 'aria-label': 'Client profile' },
    h('a', { href: `#/clients/${id}`, 'aria-current': tab === 'users' ? 'page' : null, id: 'tab-users' },
      'Users', h('span', { class: 'count' }, String(data.users.length))),
    h('a', { href: `#/clients/${id}/activity`, 'aria-current': tab === 'activity' ? 'page' : null, id: 'tab-activity' }, 'Activity'));
  const body = h('div', { id: 'tab-body' });
  fill(view,
    h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/clients' }, 'Clients'), ` / ${clientName(c)}`),
    h('div', { class: 'page-head' }, h('div', null,
      h('div', { class: 'title-line' }, h('h1', { id: 'client-title' }, clientName(c)), statusBadge(c.status)),
      h('div', { class: 'profile-meta' },
        h('span', null, `Client #${c.id}`),
        fullName(c) ? h('span', null, `Contact: ${fullName(c)}`) : null,
        owner ? h('span', null, `Owner: ${owner.email}`) : null,
        h('span', null, `Since ${formatDate(c.created_at)}`)))),
    tabs, body);
  if (tab === 'activity') await activityTab(c, body, query, new Map(data.users.map((m) => [m.user_id, m.email])));
  else usersTab(c, data, body);
}

function usersTab(c, data, body) {
  const reload = (msg) => go(`#/clients/${c.id}`, msg);
  const ownerNow = data.users.find((m) => m.is_owner);

  const memberActions = (m) => {
    if (m.is_owner) return [];
    const name = fullName(m) || m.email;
    return [
      rowButton('Manage Permissions', async () => {
        const saved = await permissionsDialog({
          member: m,
          save: (keys) => call('PATCH', `/admin/clients/${c.id}/users/${m.user_id}`, { permissions: keys }),
        });
        if (saved) reload(`Permissions of ${m.email} saved.`);
      }),
      rowButton('Make Owner', async () => {
        const done = await confirmDialog({
          title: 'Make this user the owner?',
          body: [
            h('p', null, `${name} (${m.email}) becomes the owner of ${clientName(c)}: every permission, and cannot be removed.`),
            ownerNow ? h('p', null, `${fullName(ownerNow) || ownerNow.email}, the owner now, stays on the account with every permission.`) : null,
          ],
          confirm: 'Make Owner',
          danger: false,
          cancel: 'Cancel',
          run: () => call('POST', `/admin/clients/${c.id}/owner`, { user_id: m.user_id }),
        });
        if (done) reload(`${m.email} is now the owner of ${clientName(c)}.`);
      }),
      rowButton('Remove Access', async () => {
        const done = await confirmDialog({
          title: 'Remove access?',
          body: h('p', null, `${name} (${m.email}) will no longer reach ${clientName(c)}. The user is not deleted and keeps any other account.`),
          confirm: 'Remove Access',
          run: () => call('DELETE', `/admin/clients/${c.id}/users/${m.user_id}`),
        });
        if (done) reload(`${m.email} no longer has access to ${clientName(c)}.`);
      }, { kind: 'btn-link-danger' }),
    ];
  };

  const inviteActions = (inv) => [
    rowButton('Resend Invite', async () => {
      const r = await call('POST', `/admin/invites/${inv.id}/resend`);
      reload(`A new invitation was sent to ${r.invite.email}, valid for 7 days. The earlier link no longer works.`);
    }),
    isExpired(inv) ? null : rowButton('Cancel Invite', async () => {
      const done = await confirmDialog({
        title: 'Cancel this invitation?',
        body: h('p', null, `The link sent to ${inv.email} will stop working.`),
        confirm: 'Cancel Invite',
        cancel: 'Keep it',
        run: () => call('POST', `/admin/invites/${inv.id}/cancel`),
      });
      if (done) reload(`The invitation to ${inv.email} was cancelled.`);
    }, { kind: 'btn-link-danger' }),
  ].filter(Boolean);

  const assocCard = associateCard(c, reload);
  assocCard.hidden = true;
  const openAssoc = h('button', { type: 'button', class: 'btn btn-primary', id: 'associate-user', 'aria-expanded': 'false', 'aria-controls': 'associate-card' }, 'Associate User');
  openAssoc.addEventListener('click', () => {
    assocCard.hidden = !assocCard.hidden;
    openAssoc.setAttribute('aria-expanded', String(!assocCard.hidden));
    if (!assocCard.hidden) assocCard.querySelector('input[role="combobox"]').focus();
  });
  assocCard.addEventListener('assoc-close', () => {
    assocCard.hidden = true;
    openAssoc.setAttribute('aria-expanded', 'false');
    openAssoc.focus();
  });

  fill(body,
    assocCard,
    h('section', { class: 'card', id: 'users', 'aria-labelledby': 'users-title' },
      h('div', { class: 'card-head' },
        h('div', null, h('h2', { id: 'users-title' }, 'Users'),
          h('p', null, 'Who can sign in to this account, and what each may do.')),
        openAssoc),
      membersTable(data.users, { actions: memberActions, caption: `Users of ${clientName(c)}` })),
    h('section', { class: 'card', id: 'pending-invites', 'aria-labelledby': 'invites-title' },
      h('div', { class: 'card-head' }, h('div', null,
        h('h2', { id: 'invites-title' }, 'Pending Invites', h('span', { class: 'count' }, String(data.invites.length))),
        h('p', null, 'Sent and not yet accepted, and those that expired. Resending makes a new link valid for 7 days.'))),
      data.invites.length
        ? invitesTable(data.invites, { actions: inviteActions, caption: 'Pending and expired invitations' })
        : h('p', { class: 'empty', id: 'no-invites' }, 'No pending invites.')));
}

function associateCard(c, reload) {
  const picker = userPicker({
    hint: 'Type a name or email address, then pick the user. For someone without a user, type their email and choose Create new user.',
  });
  const perms = permPicker({ name: 'assoc-scope' });
  const yes = h('input', { type: 'radio', name: 'send_invite', value: 'yes', id: 'send-invite-yes', checked: true });
  const no = h('input', { type: 'radio', name: 'send_invite', value: 'no', id: 'send-invite-no' });
  const sendHint = h('p', { class: 'hint', id: 'send-invite-hint' });
  const syncHint = () => {
    sendHint.textContent = yes.checked
      ? 'Yes: they get an email with a one-time link, valid for 7 days, and show under Pending Invites until they accept.'
      : 'No: they get access at once and no email. A new user has no password until they set one with “Forgot your password?”.';
  };
  yes.addEventListener('change', syncHint);
  no.addEventListener('change', syncHint);
  syncHint();
  const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
  const form = h('form', { id: 'associate-form', novalidate: true },
    picker.el,
    perms.el,
    h('fieldset', { 'data-field': 'send_invite' },
      h('legend', null, 'Send Invite'),
      h('div', { class: 'segmented' },
        h('label', { for: 'send-invite-yes' }, yes, h('span', null, 'Yes')),
        h('label', { for: 'send-invite-no' }, no, h('span', null, 'No'))),
      sendHint),
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary' }, 'Associate User'),
      cancel));
  const card = h('section', { class: 'card', id: 'associate-card', 'aria-labelledby': 'associate-title' },
    h('div', { class: 'card-head' }, h('div', null,
      h('h2', { id: 'associate-title' }, 'Associate User'),
      h('p', null, `Give a user access to ${clientName(c)}.`))),
    h('div', { class: 'card-body' }, form));
  cancel.addEventListener('click', () => {
    picker.reset();
    perms.reset();
    card.dispatchEvent(new Event('assoc-close'));
  });
  // Associating an unverified address at once is refused: offer to
  // send that address an invitation instead, in one click.
  const offerInvite = (email) => {
    const send = h('button', { type: 'button', class: 'btn btn-sm btn-primary', id: 'send-invite-instead' }, 'Send an invitation instead');
    send.addEventListener('click', () => {
      yes.checked = true;
      syncHint();
      form.requestSubmit();
    });
    fieldError(form, 'user', `A user registered ${email} but has not verified it, so it cannot be associated at once: ` +
      'anyone can register any address. Send an invitation to that address instead, or pick the user from the list once you have checked who they are.');
    const line = form.querySelector('[data-fields~="user"] > .field-error');
    if (line) line.append(' ', send);
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    let unverified = null;
    const r = await submitting(form, async () => {
      const who = picker.get();
      if (!who) {
        fieldError(form, 'user', 'Pick a user from the list, or type an email address and choose Create new user.');
        return null;
      }
      const permissions = perms.get();
      if (!permissions) {
        fieldError(form, 'permissions', 'Choose at least one permission, or choose All Permissions.');
        return null;
      }
      const body = { permissions, send_invite: yes.checked };
      if (who.user) body.user_id = who.user.id;
      else body.email = who.email;
      try {
        return await call('POST', `/admin/clients/${c.id}/users`, body);
      } catch (err) {
        if (!(err instanceof ApiError) || err.code !== 'email_unverified') throw err;
        unverified = who.email;
        return null;
      }
    }, { already_member: 'user', invite_pending: 'user', not_found: 'user' });
    if (unverified) offerInvite(unverified);
    if (!r) return;
    if (r.invite) reload(['Invitation sent to ', h('strong', null, r.invite.email), '. It shows under Pending Invites until accepted.']);
    else reload([h('strong', null, r.member.email), ` now has access to ${clientName(c)}.`]);
  });
  return card;
}

// ---- activity ----

const ACTIONS = {
  client_created: 'Client created',
  member_added: 'User associated',
  member_removed: 'Access removed',
  member_left: 'User left the account',
  member_permissions_changed: 'Permissions changed',
  owner_changed: 'Owner changed',
  invite_created: 'Invitation sent',
  invite_resent: 'Invitation resent',
  invite_cancelled: 'Invitation cancelled',
  invite_accepted: 'Invitation accepted',
};

const REASONS = {
  associated_directly: 'the user was associated directly instead',
  inviter_lost_access: 'the sender lost the right to manage users',
};

function actionWords(a) {
  if (ACTIONS[a]) return ACTIONS[a];
  const s = String(a || '').replace(/[_.]+/g, ' ').trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function permText(keys) {
  if (!Array.isArray(keys)) return String(keys);
  if (hasAll(keys)) return 'All permissions';
  return keys.map(permWords).join(', ');
}

// The details of an audit entry, in words; unknown keys as they are.
function detailItems(d, people) {
  if (!d || typeof d !== 'object') return null;
  const user = (id) => (people.has(id) ? people.get(id) : `user #${id}`);
  const items = [];
  const add = (label, text) => items.push(h('li', null, h('span', { class: 'muted' }, `${label}: `), text));
  for (const [k, v] of Object.entries(d)) {
    switch (k) {
      case 'email': add('Email', String(v)); break;
      case 'invited_email': add('Invited address', String(v)); break;
      case 'company_name': if (v) add('Company', String(v)); break;
      case 'permissions': add('Permissions', permText(v)); break;
      case 'from': add('Before', permText(v)); break;
      case 'to': add('After', permText(v)); break;
      case 'user_id': add('User', user(v)); break;
      case 'from_user_id': add('Previous owner', user(v)); break;
      case 'to_user_id': case 'owner_user_id': add('Owner', user(v)); break;
      case 'invite_id': add('Invitation', `#${v}`); break;
      case 'user_created': case 'owner_created': if (v) items.push(h('li', null, 'A new user was created')); break;
      case 'reason': add('Why', REASONS[v] || String(v)); break;
      case 'bound_by': case 'owner_bound_by':
        add('Chosen', v === 'user_id' ? 'from the list of users' : 'by email address');
        break;
      case 'email_id': break;
      default: add(k.replace(/_/g, ' '), v && typeof v === 'object' ? JSON.stringify(v) : String(v));
    }
  }
  return items.length ? h('ul', { class: 'detail-list' }, items) : null;
}

function actorOf(e) {
  const a = e.actor || {};
  const kind = { admin: 'Staff', user: 'User', system: 'System', anonymous: 'Visitor' }[a.kind] || a.kind || '';
  return h('div', null,
    h('div', { class: 'who-name' }, a.name || kind || 'Unknown'),
    a.name && kind ? h('div', { class: 'who-email' }, kind) : null);
}

// people: user id -> email of the current members, to name ids.
async function activityTab(c, body, query, people) {
  const page = parseQuery(query).page;
  fill(body, h('p', { class: 'loading', role: 'status' }, 'Loading the activity…'));
  let r;
  try {
    r = await call('GET', `/admin/clients/${c.id}/activity?page=${page}`);
  } catch (err) {
    fill(body, h('div', { class: 'alert alert-error', role: 'alert' }, describe(err)));
    return;
  }
  const entries = r.entries || [];
  const first = (r.page - 1) * r.per_page + 1;
  const last = first + entries.length - 1;
  const pager = r.total > entries.length
    ? h('div', { class: 'pager' },
      h('span', null, `Showing ${first}–${last} of ${r.total}`),
      h('div', { class: 'btns' },
        r.page > 1 ? h('a', { class: 'btn btn-sm', href: `#/clients/${c.id}/activity?page=${r.page - 1}` }, 'Newer') : null,
        last < r.total ? h('a', { class: 'btn btn-sm', href: `#/clients/${c.id}/activity?page=${r.page + 1}` }, 'Older') : null))
    : null;
  fill(body, h('section', { class: 'card', id: 'activity', 'aria-labelledby': 'activity-title' },
    h('div', { class: 'card-head' }, h('div', null,
      h('h2', { id: 'activity-title' }, 'Activity', h('span', { class: 'count' }, String(r.total ?? entries.length))),
      h('p', null, 'Every change to who can reach this account, newest first.'))),
    entries.length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
        h('caption', { class: 'visually-hidden' }, `Activity of ${clientName(c)}`),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, 'When'), h('th', { scope: 'col' }, 'What'),
          h('th', { scope: 'col' }, 'By'), h('th', { scope: 'col' }, 'Details'), h('th', { scope: 'col' }, 'IP address'))),
        h('tbody', null, entries.map((e) => h('tr', { dataset: { action: e.action } },
          h('td', { class: 'cell-main nowrap' }, when(e.at)),
          h('td', { 'data-label': 'What' }, h('strong', null, actionWords(e.action))),
          h('td', { 'data-label': 'By' }, actorOf(e)),
          h('td', { 'data-label': 'Details' }, detailItems(e.details, people) || h('span', { class: 'muted' }, '—')),
          h('td', { 'data-label': 'IP address', class: 'nowrap' }, e.ip || h('span', { class: 'muted' }, '—')))))))
      : h('p', { class: 'empty' }, 'Nothing has happened on this account yet.'),
    pager));
}

// ---- routing ----

async function route() {
  if (!admin) return;
  $('#nav-clients').removeAttribute('aria-current');
  const hash = location.hash.replace(/^#/, '') || '/clients';
  const [path, query] = hash.split('?');
  const m = path.match(/^\/clients\/(\d+)(\/activity)?$/);
  if (path === '/clients/new') newClientView();
  else if (m) await profileView(Number(m[1]), m[2] ? 'activity' : 'users', query);
  else await clientsView(query);
  showNextFlash();
  window.scrollTo(0, 0);
}

window.addEventListener('hashchange', route);
document.addEventListener('click', (e) => {
  for (const d of document.querySelectorAll('details.menu[open]')) if (!d.contains(e.target)) d.open = false;
});
document.addEventListener('keydown', (e) => {
  const open = e.key === 'Escape' && document.querySelector('details.menu[open]');
  if (open) {
    open.open = false;
    open.querySelector('summary').focus();
  }
});

async function boot() {
  whenSignedOut(() => {
    if (!admin) return;
    admin = null;
    setCsrf(null);
    signIn();
    flash(flashBox, 'info', 'Your session has ended. Sign in again to continue.');
  });
  try {
    const r = await call('GET', '/admin/me');
    admin = r.admin;
    setCsrf(r.csrf_token);
  } catch (err) {
    if (err.status === 401) {
      if (!$('#admin-login')) signIn();
      return;
    }
    fill(view, h('div', { class: 'alert alert-error', role: 'alert' }, describe(err)));
    return;
  }
  chrome();
  await route();
}

boot();
