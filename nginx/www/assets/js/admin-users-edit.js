// Edit dialogs of the Admin Area (DESIGN §9): a user's names, address and
// verified mark; a client account's company and contact names and its
// status (closing cancels its pending invitations, which the dialog
// says). Each resolves with the saved object, or null when cancelled.
import { call } from './api.js';
import { h } from './dom.js';
import { clearErrors, modal, requireFilled, showError, values } from './forms.js';

let uid = 0;
const field = (name, label, value, attrs = {}) => {
  const id = `edit-${name}-${++uid}`;
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('input', { id, name, type: 'text', maxlength: '100', value: value ?? '', ...attrs }));
};

// Run a PATCH from a dialog's form: its errors go next to their fields.
async function save(form, fn) {
  clearErrors(form);
  try {
    return await fn();
  } catch (err) {
    showError(form, err);
    return null;
  }
}

export async function userEditDialog(u) {
  let saved = null;
  const verifiedId = `edit-verified-${++uid}`;
  const ok = await modal({
    title: 'Edit user',
    lede: u.email,
    className: 'edit-dialog',
    confirm: 'Save',
    body: [
      h('div', { class: 'row' }, field('first_name', 'First name', u.first_name, { autocomplete: 'off' }),
        field('last_name', 'Last name', u.last_name, { autocomplete: 'off' })),
      field('email', 'Email address', u.email, { type: 'email', maxlength: '254', autocomplete: 'off', required: true }),
      h('div', { class: 'field check' },
        h('input', { id: verifiedId, name: 'email_verified', type: 'checkbox', checked: u.email_verified }),
        h('label', { for: verifiedId }, 'Email address verified'),
        h('p', { class: 'hint' }, 'A new address is unverified unless this stays ticked.')),
    ],
    check: async (form) => {
      if (!requireFilled(form, ['email'], { email: 'an email address' })) return null;
      const v = values(form);
      const body = { first_name: v.first_name, last_name: v.last_name, email_verified: form.elements.email_verified.checked };
      if (v.email !== u.email) body.email = v.email;
      const r = await save(form, () => call('PATCH', `/admin/users/${u.id}`, body));
      if (!r) return null;
      saved = r.user;
      return true;
    },
  });
  return ok ? saved : null;
}

export async function clientEditDialog(c) {
  let saved = null;
  const statusId = `edit-status-${++uid}`;
  const ok = await modal({
    title: 'Edit client',
    lede: `Client #${c.id}`,
    className: 'edit-dialog',
    confirm: 'Save',
    body: [
      field('company_name', 'Company name', c.company_name, { autocomplete: 'organization' }),
      h('div', { class: 'row' }, field('first_name', 'Contact first name', c.first_name, { required: true }),
        field('last_name', 'Contact last name', c.last_name, { required: true })),
      h('div', { class: 'field' },
        h('label', { for: statusId }, 'Status'),
        h('select', { id: statusId, name: 'status', 'aria-describedby': `${statusId}-hint` },
          ['active', 'inactive', 'closed'].map((s) => h('option', { value: s, selected: c.status === s }, s[0].toUpperCase() + s.slice(1)))),
        h('p', { class: 'hint', id: `${statusId}-hint` }, 'Closing cancels the pending invitations; nobody can switch to a closed account.')),
    ],
    check: async (form) => {
      if (!requireFilled(form, ['first_name', 'last_name'], { first_name: 'the contact’s first name', last_name: 'the contact’s last name' })) return null;
      const v = values(form);
      const r = await save(form, () => call('PATCH', `/admin/clients/${c.id}`, {
        company_name: v.company_name, first_name: v.first_name, last_name: v.last_name, status: v.status,
      }));
      if (!r) return null;
      saved = r.client;
      return true;
    },
  });
  return ok ? saved : null;
}
