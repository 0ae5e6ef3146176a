// Associate User, the inline card of a client's Users tab: pick a user
// (or Create new user, with the new user's name), All or chosen
// permissions, Send Invite yes/no. An unverified address is offered an
// invitation instead.
import { ApiError, call } from './api.js';
import { userPicker } from './combobox.js';
import { h } from './dom.js';
import { fieldError, submitting } from './forms.js';
import { permPicker } from './perms.js';
import { clientName } from './admin-common.js';

// reload(message) redraws the tab; the card sends 'assoc-close' when its
// Cancel is pressed.
export function associateCard(c, reload) {
  // the name of a user to create: the user's own, and the email's greeting
  const names = h('div', { class: 'row', id: 'new-user-names', hidden: true },
    h('div', { class: 'field' },
      h('label', { for: 'assoc-first' }, 'First name'),
      h('input', { id: 'assoc-first', name: 'first_name', type: 'text', autocomplete: 'off', maxlength: '100' })),
    h('div', { class: 'field' },
      h('label', { for: 'assoc-last' }, 'Last name'),
      h('input', { id: 'assoc-last', name: 'last_name', type: 'text', autocomplete: 'off', maxlength: '100' })));
  const picker = userPicker({
    hint: 'Type a name or email address, then pick the user. For someone without a user, type their email and choose Create new user.',
    onPick: (p) => {
      names.hidden = !(p && !p.user);
      if (names.hidden) for (const i of names.querySelectorAll('input')) i.value = '';
    },
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
    names,
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
  // Escape closes the card as Cancel does, unless the user list took it
  card.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || e.defaultPrevented || card.hidden) return;
    e.preventDefault();
    cancel.click();
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
      else {
        body.email = who.email;
        const first = form.elements.first_name.value.trim();
        const last = form.elements.last_name.value.trim();
        if (first) body.first_name = first;
        if (last) body.last_name = last;
      }
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
