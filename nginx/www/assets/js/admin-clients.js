// The Admin Area's list of clients (#/clients?search=&page=), searched as
// one types, and New Client (#/clients/new) with its owner picker.
import { ApiError, call } from './api.js';
import { userPicker } from './combobox.js';
import { $, fill, formatDate, fullName, h } from './dom.js';
import { fieldError, requireFilled, submitting, values } from './forms.js';
import { clientName, go, parseQuery, searchList, statusBadge, view } from './admin-common.js';

export async function clientsView(query) {
  const { search, page } = parseQuery(query);
  document.title = 'Clients · Admin Area';
  $('#nav-clients').setAttribute('aria-current', 'page');
  const { input, form, results, load } = searchList({
    what: 'clients', label: 'Search clients', placeholder: 'Company, contact name or owner email', table: clientTable,
  });
  input.value = search;
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

export function newClientView() {
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
