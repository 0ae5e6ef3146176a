// A client's Activity tab (#/clients/ID/activity): the audit entries,
// newest first and paged, their details in words.
import { call, describe } from './api.js';
import { fill, h, when } from './dom.js';
import { hasAll, permWords } from './perms.js';
import { clientName, parseQuery } from './admin-common.js';

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
export async function activityTab(c, body, query, people) {
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
