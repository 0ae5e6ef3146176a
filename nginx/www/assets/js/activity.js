// An account's activity in words: what each audit entry means, who did
// it, its details; shared by the Admin Area's Activity tab and the
// Client Area's Activity view.
import { h, when } from './dom.js';
import { hasAll, permWords } from './perms.js';

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
  invite_declined: 'Invitation declined',
  invite_dismissed: 'Invitation dismissed',
  invite_permissions_changed: 'Invitation changed',
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
      case 'was': add('It had', String(v)); break;
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

// The entries as a table. people: user id -> email, to name ids (may be
// empty).
export function activityTable(entries, caption, people = new Map()) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'activity-entries' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'When'), h('th', { scope: 'col' }, 'What'),
      h('th', { scope: 'col' }, 'By'), h('th', { scope: 'col' }, 'Details'), h('th', { scope: 'col' }, 'IP address'))),
    h('tbody', null, entries.map((e) => h('tr', { dataset: { action: e.action } },
      h('td', { class: 'cell-main nowrap' }, when(e.at)),
      h('td', { 'data-label': 'What' }, h('strong', null, actionWords(e.action))),
      h('td', { 'data-label': 'By' }, actorOf(e)),
      h('td', { 'data-label': 'Details' }, detailItems(e.details, people) || h('span', { class: 'muted' }, '—')),
      h('td', { 'data-label': 'IP address', class: 'nowrap' }, e.ip || h('span', { class: 'muted' }, '—')))))));
}
