// A client's profile in the Admin Area (#/clients/ID): its head and tabs,
// and the Users tab: members (Manage Permissions, Make Owner, Remove
// Access), pending and expired invites (Resend, Cancel), Associate User.
import { call, describe } from './api.js';
import { fill, formatDate, fullName, h } from './dom.js';
import { confirmDialog } from './forms.js';
import { invitesTable, isExpired, membersTable, permissionsDialog, resendButton, rowButton, watchDelivery } from './people.js';
import { clientName, go, statusBadge, view } from './admin-common.js';
import { activityTab } from './admin-activity.js';
import { associateCard } from './admin-associate.js';
import { loginAs } from './admin-users.js';
import { clientEditDialog } from './admin-users-edit.js';

export async function profileView(id, tab, query) {
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
  const edit = h('button', { type: 'button', class: 'btn', id: 'edit-client' }, 'Edit');
  edit.addEventListener('click', async () => {
    const saved = await clientEditDialog(c);
    if (saved) await go(`#/clients/${id}`, ['Client ', h('strong', null, clientName(saved)), ' saved.']);
  });
  const actionError = h('p', { class: 'field-error', id: 'client-action-error', role: 'alert', hidden: true });
  const asOwner = owner && c.status !== 'closed'
    ? h('button', { type: 'button', class: 'btn', id: 'login-as-owner' }, 'Login as Owner') : null;
  asOwner?.addEventListener('click', async () => {
    actionError.hidden = true;
    try {
      await loginAs(owner.user_id, c.id);
    } catch (err) {
      actionError.textContent = describe(err);
      actionError.hidden = false;
    }
  });
  fill(view,
    h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/clients' }, 'Clients'), ` / ${clientName(c)}`),
    h('div', { class: 'page-head' }, h('div', null,
      h('div', { class: 'title-line' }, h('h1', { id: 'client-title' }, clientName(c)), statusBadge(c.status)),
      h('div', { class: 'profile-meta' },
        h('span', null, `Client #${c.id}`),
        fullName(c) ? h('span', null, `Contact: ${fullName(c)}`) : null,
        owner ? h('span', null, 'Owner: ', h('a', { href: `#/users/${owner.user_id}` }, owner.email)) : null,
        h('span', null, `Since ${formatDate(c.created_at)}`))),
      h('div', { class: 'btns' }, edit, asOwner)),
    actionError,
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
        if (saved) await reload(`Permissions of ${m.email} saved.`);
      }, { asks: true }),
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
        if (done) await reload(`${m.email} is now the owner of ${clientName(c)}.`);
      }, { asks: true }),
      rowButton('Remove Access', async () => {
        const done = await confirmDialog({
          title: 'Remove access?',
          body: h('p', null, `${name} (${m.email}) will no longer reach ${clientName(c)}. The user is not deleted and keeps any other account.`),
          confirm: 'Remove Access',
          run: () => call('DELETE', `/admin/clients/${c.id}/users/${m.user_id}`),
        });
        if (done) await reload(`${m.email} no longer has access to ${clientName(c)}.`);
      }, { kind: 'btn-link-danger', asks: true }),
    ];
  };

  const inviteActions = (inv) => [
    resendButton(inv, async () => {
      const r = await call('POST', `/admin/invites/${inv.id}/resend`);
      await reload(`A new invitation was sent to ${r.invite.email}, valid for 7 days. The earlier link no longer works.`);
    }),
    isExpired(inv) ? null : rowButton('Cancel Invite', async () => {
      const done = await confirmDialog({
        title: 'Cancel this invitation?',
        body: h('p', null, `The link sent to ${inv.email} will stop working.`),
        confirm: 'Cancel Invite',
        cancel: 'Keep it',
        run: () => call('POST', `/admin/invites/${inv.id}/cancel`),
      });
      if (done) await reload(`The invitation to ${inv.email} was cancelled.`);
    }, { kind: 'btn-link-danger', asks: true }),
  ].filter(Boolean);

  const assocCard = associateCard(c, reload);
  assocCard.hidden = true;
  const openAssoc = h('button', { type: 'button', class: 'btn btn-primary', id: 'associate-user', 'aria-expanded': 'false', 'aria-controls': 'associate-card' }, 'Associate User');
  // while the card is open its own submit is the one "Associate User"
  // button on the page: the opener steps aside until the card closes
  openAssoc.addEventListener('click', () => {
    assocCard.hidden = false;
    openAssoc.setAttribute('aria-expanded', 'true');
    openAssoc.hidden = true;
    assocCard.querySelector('input[role="combobox"]').focus();
  });
  assocCard.addEventListener('assoc-close', () => {
    assocCard.hidden = true;
    openAssoc.hidden = false;
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
  watchDelivery(data.invites, async () => (await call('GET', `/admin/clients/${c.id}`)).invites);
}
