// The users of an account and its invitations, as tables; shared by the
// Client Area and the Admin Area, which add their own actions.
import { describe } from './api.js';
import { badge, emailText, fullName, h, refocus, when, whoBlock } from './dom.js';
import { clearErrors, fieldError, modal, showError } from './forms.js';
import { ALL_KEYS, permCheckboxes, permSummary } from './perms.js';

// The selector of a row, to find it again once the table is redrawn.
function rowSelector(row) {
  const table = row.closest('table');
  const at = table?.id ? `#${table.id} ` : '';
  if (row.dataset.userId) return `${at}tr[data-user-id="${CSS.escape(row.dataset.userId)}"]`;
  if (row.dataset.inviteId) return `${at}tr[data-invite-id="${CSS.escape(row.dataset.inviteId)}"]`;
  return null;
}

// A button whose click runs fn; an error lands on the row's error line.
// asks: fn opens a dialog first, so the button is not made busy (the
// dialog's own button is, once confirmed). Afterwards focus returns to
// this button, or to its twin in the redrawn row. ready(), when given,
// says whether the button may be pressed again afterwards.
export function rowButton(label, fn, { kind = '', title, asks = false, ready } = {}) {
  const btn = h('button', { type: 'button', class: `btn btn-sm ${kind}`.trim(), title }, label);
  btn.addEventListener('click', async () => {
    const cell = btn.closest('td');
    const where = rowSelector(btn.closest('tr'));
    const line = cell.querySelector('.row-error');
    line.hidden = true;
    line.textContent = '';
    if (!asks) {
      btn.disabled = true;
      btn.setAttribute('aria-busy', 'true');
    }
    try {
      await fn(btn);
    } catch (err) {
      line.textContent = describe(err);
      line.hidden = false;
    } finally {
      if (btn.isConnected) {
        btn.disabled = ready ? !ready() : false;
        btn.removeAttribute('aria-busy');
      }
      const lost = !document.activeElement || document.activeElement === document.body;
      if (!btn.isConnected) refocus(where, label);
      else if (lost && !btn.disabled) btn.focus();
      else if (lost) refocus(null, label);
    }
  });
  return btn;
}

function actionsCell(buttons) {
  // a button may carry a line to show above the buttons (Resend's wait)
  const notes = buttons.map((b) => b.note).filter(Boolean);
  return h('td', { class: buttons.length ? 'actions' : 'actions is-empty', 'data-label': buttons.length ? 'Actions' : null },
    notes,
    h('div', { class: 'btns' }, buttons),
    h('p', { class: 'field-error row-error', role: 'alert', hidden: true }));
}

// The least time between two sends of an invitation: the server's
// invite_resend_cooldown, 60 s by default. The API does not say what it
// is set to, so the page assumes the default; a 429 resend_too_soon with
// its Retry-After corrects it for that invitation.
export const RESEND_COOLDOWN_S = 60;

function clock(s) {
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function sentAgo(ms) {
  const min = Math.floor(ms / 60000);
  if (min < 1) return 'Sent just now';
  return min === 1 ? 'Sent a minute ago' : `Sent ${min} minutes ago`;
}

// Resend Invite, disabled while the cooldown runs, with "Sent just now ·
// resend in 0:55" counting down above it; enabled again when due.
// send() does the resend (and redraws on success).
export function resendButton(inv, send) {
  const sentAt = Date.parse(inv.last_sent_at) || 0;
  // one second more than the server waits: its clock and ours, rounding
  let due = sentAt + (RESEND_COOLDOWN_S + 1) * 1000;
  let timer = null;
  const waiting = () => Date.now() < due;
  const btn = rowButton('Resend Invite', async () => {
    try {
      await send();
    } catch (err) {
      if (err?.code === 'resend_too_soon' && err.retryAfter) {
        due = Date.now() + (err.retryAfter + 1) * 1000;
        start();
      }
      throw err;
    }
  }, { ready: () => !waiting() });
  const note = h('small', { class: 'cooldown', id: `cooldown-${inv.id}`, hidden: true });
  btn.note = note;
  btn.setAttribute('aria-describedby', note.id);
  const tick = () => {
    if (timer && !btn.isConnected) {
      clearInterval(timer);
      timer = null;
      return;
    }
    const left = Math.ceil((due - Date.now()) / 1000);
    if (left <= 0) {
      note.hidden = true;
      note.textContent = '';
      btn.disabled = false;
      if (timer) clearInterval(timer);
      timer = null;
      return;
    }
    // shown against the server's wait, not the extra second
    const shown = Math.max(1, left - 1);
    note.textContent = `${sentAgo(Date.now() - sentAt)} · resend in ${clock(shown)}`;
    note.hidden = false;
    btn.disabled = true;
  };
  function start() {
    tick();
    if (!timer && waiting()) timer = setInterval(tick, 1000);
  }
  start();
  return btn;
}

// members: [member]; actions(m) -> [button]
// Whether a member has two-factor authentication, so owners see who lacks it.
function twoFactorBadge(m) {
  const b = m.two_factor ? badge('On', 'ok') : badge('Off', 'warn');
  b.title = m.two_factor ? 'Two-factor authentication is on' : 'Two-factor authentication is off';
  return b;
}

export function membersTable(members, { selfId, actions, caption }) {
  const rows = members.map((m) => {
    const badges = [];
    if (m.is_owner) badges.push(badge('Owner', 'owner'));
    if (m.user_id === selfId) badges.push(badge('You', 'info'));
    return h('tr', { dataset: { userId: m.user_id, email: m.email } },
      h('td', { class: 'cell-main' }, whoBlock(m, ...badges)),
      h('td', { 'data-label': 'Permissions' }, permSummary(m.permissions, { owner: m.is_owner })),
      h('td', { 'data-label': '2FA', class: 'cell-2fa' }, twoFactorBadge(m)),
      h('td', { 'data-label': 'Last login', class: 'nowrap' }, when(m.last_login_at)),
      actionsCell(actions(m)));
  });
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'list', id: 'members' },
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'User'),
        h('th', { scope: 'col' }, 'Permissions'),
        h('th', { scope: 'col' }, h('abbr', { title: 'Two-factor authentication' }, '2FA')),
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

export function isDeclined(inv) {
  return inv.status === 'declined';
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
    const declined = isDeclined(inv);
    let state = badge('Pending', 'warn');
    if (declined) state = badge('Declined', 'danger');
    else if (expired) state = badge('Expired', 'danger');
    return h('tr', { dataset: { inviteId: inv.id, email: inv.email, status: declined ? 'declined' : expired ? 'expired' : 'pending' } },
      h('td', { class: 'cell-main' },
        h('div', { class: 'who-name' }, emailText(inv.email)),
        state),
      h('td', { 'data-label': 'Permissions' }, permSummary(inv.permissions)),
      sentCell(inv),
      h('td', { 'data-label': expired ? 'Expired' : 'Expires', class: 'nowrap' }, when(inv.expires_at)),
      h('td', { 'data-label': 'Delivery', dataset: { state: String(inv.delivery) } }, deliveryBadge(inv.delivery)),
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
export function permissionsDialog({ member, allowed = ALL_KEYS, confirm, save, title = 'Manage Permissions', lede }) {
  const boxes = permCheckboxes({ checked: member.permissions, allowed, legend: 'Permissions on this account' });
  const name = fullName(member) || member.email;
  return modal({
    title,
    lede: lede || [`What ${name} (`, emailText(member.email), ') may do on this account.'],
    body: boxes.el,
    confirm: 'Save Changes',
    className: 'perm-dialog',
    async check(form) {
      clearErrors(form);
      const keys = boxes.get();
      if (!keys.length) {
        fieldError(form, 'permissions', 'Choose at least one permission, or use Remove Access instead.');
        return null;
      }
      if (confirm && !(await confirm(keys))) return null;
      return keys;
    },
    run: save,
    fail: (err, form) => showError(form, err, { forbidden: 'permissions', invalid_input: 'permissions' }),
  });
}

// While an invitation's email waits in the queue, ask again every few
// seconds and redraw only the Delivery badges (focus and forms stay as
// they are); stop when none is queued, after two minutes, or when the
// table is gone. load() returns the invitations as the API lists them.
let watching = null;

export function watchDelivery(invites, load) {
  if (watching) clearTimeout(watching);
  watching = null;
  let rounds = 0;
  const queued = (list) => list.some((inv) => inv.delivery === 'queued');
  const again = (list) => {
    if (!queued(list) || ++rounds > 60) return;
    watching = setTimeout(async () => {
      watching = null;
      if (!document.querySelector('#invites')) return;
      let fresh;
      try {
        fresh = await load();
      } catch {
        return; /* the next redraw starts again */
      }
      for (const inv of fresh) {
        const cell = document.querySelector(`#invites tr[data-invite-id="${CSS.escape(String(inv.id))}"] td[data-label="Delivery"]`);
        if (cell && cell.dataset.state !== String(inv.delivery)) {
          cell.replaceChildren(deliveryBadge(inv.delivery));
          cell.dataset.state = String(inv.delivery);
        }
      }
      again(fresh);
    }, 2000);
  };
  again(invites);
}
