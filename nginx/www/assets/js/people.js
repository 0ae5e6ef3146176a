// The users of an account and its invitations, as tables; shared by the
// Client Area and the Admin Area, which add their own actions.
import { describe } from './api.js';
import { badge, h, when, whoBlock } from './dom.js';
import { clearErrors, fieldError, showError } from './forms.js';
import { ALL_KEYS, permCheckboxes, permSummary } from './perms.js';

// A button whose click runs fn; an error lands on the row's error line.
export function rowButton(label, fn, { kind = '', title } = {}) {
  const btn = h('button', { type: 'button', class: `btn btn-sm ${kind}`.trim(), title }, label);
  btn.addEventListener('click', async () => {
    const cell = btn.closest('td');
    const line = cell.querySelector('.row-error');
    line.hidden = true;
    line.textContent = '';
    btn.disabled = true;
    btn.setAttribute('aria-busy', 'true');
    try {
      await fn(btn);
    } catch (err) {
      line.textContent = describe(err);
      line.hidden = false;
    } finally {
      if (btn.isConnected) {
        btn.disabled = false;
        btn.removeAttribute('aria-busy');
      }
    }
  });
  return btn;
}

function actionsCell(buttons) {
  return h('td', { class: buttons.length ? 'actions' : 'actions is-empty', 'data-label': buttons.length ? 'Actions' : null },
    h('div', { class: 'btns' }, buttons),
    h('p', { class: 'field-error row-error', role: 'alert', hidden: true }));
}

// members: [member]; actions(m) -> [button]
export function membersTable(members, { selfId, actions, caption }) {
  const rows = members.map((m) => {
    const badges = [];
    if (m.is_owner) badges.push(badge('Owner', 'owner'));
    if (m.user_id === selfId) badges.push(badge('You', 'info'));
    return h('tr', { dataset: { userId: m.user_id, email: m.email } },
      h('td', { class: 'cell-main' }, whoBlock(m, ...badges)),
      h('td', { 'data-label': 'Permissions' }, permSummary(m.permissions, { owner: m.is_owner })),
      h('td', { 'data-label': 'Last login', class: 'nowrap' }, when(m.last_login_at)),
      actionsCell(actions(m)));
  });
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'list', id: 'members' },
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'User'),
        h('th', { scope: 'col' }, 'Permissions'),
        h('th', { scope: 'col' }, 'Last login'),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
      h('tbody', null, rows)));
}

const DELIVERY = {
  queued: ['Queued', 'info', 'Waiting to be sent'],
  sent: ['Sent', 'ok', 'Accepted by the mail server'],
  failed: ['Failed', 'warn', 'Delivery failed for now; it will be retried'],
  dead: ['Bounced', 'danger', 'The email could not be delivered'],
};

export function deliveryBadge(state) {
  const d = DELIVERY[state];
  if (!d) return h('span', { class: 'muted' }, 'Not sent');
  const b = badge(d[0], d[1]);
  b.title = d[2];
  return b;
}

export function isExpired(inv) {
  return inv.status === 'expired' || (inv.status === 'pending' && new Date(inv.expires_at) <= new Date());
}

function sentCell(inv) {
  const by = inv.invited_by || {};
  const who = by.name ? `by ${by.name}${by.kind === 'admin' ? ' (staff)' : ''}` : null;
  return h('td', { 'data-label': 'Sent' },
    when(inv.last_sent_at, { rel: false }),
    h('small', { class: 'sent-by', hidden: !who && inv.sent_count < 2 },
      [who, inv.sent_count > 1 ? `sent ${inv.sent_count} times` : null].filter(Boolean).join(' · ')));
}

// invites: [invite]; actions(inv) -> [button]
export function invitesTable(invites, { actions, caption }) {
  const rows = invites.map((inv) => {
    const expired = isExpired(inv);
    return h('tr', { dataset: { inviteId: inv.id, email: inv.email } },
      h('td', { class: 'cell-main' },
        h('div', { class: 'who-name' }, inv.email),
        expired ? badge('Expired', 'danger') : badge('Pending', 'warn')),
      h('td', { 'data-label': 'Permissions' }, permSummary(inv.permissions)),
      sentCell(inv),
      h('td', { 'data-label': expired ? 'Expired' : 'Expires', class: 'nowrap' }, when(inv.expires_at)),
      h('td', { 'data-label': 'Delivery' }, deliveryBadge(inv.delivery)),
      actionsCell(actions(inv)));
  });
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'list', id: 'invites' },
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'Email'),
        h('th', { scope: 'col' }, 'Permissions'),
        h('th', { scope: 'col' }, 'Sent'),
        h('th', { scope: 'col' }, 'Expires'),
        h('th', { scope: 'col' }, 'Delivery'),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
      h('tbody', null, rows)));
}

// A note in place of a row's buttons: why there is nothing to do here.
export function rowNote(text) {
  return h('span', { class: 'row-note muted' }, text);
}

// Manage Permissions of one member, in a modal. confirm(keys), when
// given, is awaited first: false keeps the dialog open unchanged. save(keys)
// is awaited; its ApiError shows next to the checkboxes. Resolves true
// when saved.
export function permissionsDialog({ member, allowed = ALL_KEYS, confirm, save }) {
  return new Promise((resolve) => {
    const boxes = permCheckboxes({ checked: member.permissions, allowed, legend: 'Permissions on this account' });
    const name = [member.first_name, member.last_name].filter(Boolean).join(' ') || member.email;
    const ok = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save Changes');
    const no = h('button', { type: 'button', class: 'btn' }, 'Cancel');
    const form = h('form', { novalidate: true },
      h('div', { class: 'dialog-head' },
        h('h2', { id: 'perm-dialog-title' }, 'Manage Permissions'),
        h('p', { class: 'muted' }, `What ${name} (${member.email}) may do on this account.`)),
      h('div', { class: 'dialog-body' }, boxes.el),
      h('div', { class: 'dialog-foot' }, no, ok));
    const dlg = h('dialog', { 'aria-labelledby': 'perm-dialog-title', class: 'perm-dialog' }, form);
    const finish = (v) => {
      dlg.close();
      dlg.remove();
      resolve(v);
    };
    no.addEventListener('click', () => finish(false));
    dlg.addEventListener('cancel', (e) => {
      e.preventDefault();
      finish(false);
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      const keys = boxes.get();
      if (!keys.length) {
        fieldError(form, 'permissions', 'Choose at least one permission, or use Remove Access instead.');
        return;
      }
      if (confirm && !(await confirm(keys))) return;
      ok.disabled = true;
      ok.setAttribute('aria-busy', 'true');
      try {
        await save(keys);
        finish(true);
      } catch (err) {
        showError(form, err, { forbidden: 'permissions', invalid_input: 'permissions' });
        ok.disabled = false;
        ok.removeAttribute('aria-busy');
      }
    });
    document.body.appendChild(dlg);
    dlg.showModal();
  });
}
