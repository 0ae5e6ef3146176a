// The permissions of a client account (DESIGN.md section 3), in the words
// users know, and the controls that choose them.
import { h } from './dom.js';

export const PERMS = [
  ['profile', 'Modify master account profile'],
  ['contacts', 'View and manage contacts'],
  ['products', 'View products and services'],
  ['manageproducts', 'View and modify product passwords'],
  ['productsso', 'Perform single sign-on'],
  ['domains', 'View domains'],
  ['managedomains', 'Manage domain settings'],
  ['invoices', 'View and pay invoices'],
  ['quotes', 'View and accept quotes'],
  ['tickets', 'View and open support tickets'],
  ['affiliates', 'View and manage affiliate account'],
  ['emails', 'View emails'],
  ['orders', 'Place new orders, upgrades and cancellations'],
  ['users', 'Manage users and invitations'],
];

export const ALL_KEYS = PERMS.map(([k]) => k);
const WORDS = new Map(PERMS);

export function permWords(key) {
  return WORDS.get(key) || key;
}

function sorted(keys) {
  return ALL_KEYS.filter((k) => keys.includes(k));
}

export function hasAll(keys) {
  return ALL_KEYS.every((k) => keys.includes(k));
}

// "All permissions", or a count that opens to the list in words.
export function permSummary(keys, { owner = false } = {}) {
  if (owner) return h('div', { class: 'perm-summary' }, 'All permissions (owner)');
  if (hasAll(keys)) return h('div', { class: 'perm-summary' }, 'All permissions');
  const list = sorted(keys);
  const ul = h('ul', null, list.map((k) => h('li', { dataset: { perm: k } }, permWords(k))));
  if (list.length <= 3) return h('div', { class: 'perm-summary' }, ul);
  return h('div', { class: 'perm-summary' },
    h('details', null, h('summary', null, `${list.length} of ${ALL_KEYS.length} permissions`), ul));
}

// A plain list of what the keys grant.
export function grantList(keys) {
  const list = sorted(keys);
  return h('ul', { class: list.length > 4 ? 'grants many' : 'grants' },
    list.map((k) => h('li', { dataset: { perm: k } }, permWords(k))));
}

let seq = 0;

// Checkboxes of the 14 keys. allowed: keys that may be granted (others
// are shown disabled). Returns {el, get(), set(keys)}.
export function permCheckboxes({ checked = [], allowed = ALL_KEYS, legend = 'Permissions', field = 'permissions' } = {}) {
  const id = ++seq;
  const boxes = PERMS.map(([k, words]) => {
    const can = allowed.includes(k);
    const input = h('input', { type: 'checkbox', name: 'perm', value: k, id: `perm-${id}-${k}`, checked: checked.includes(k), disabled: !can });
    return {
      key: k,
      input,
      label: h('label', { class: can ? 'choice' : 'choice is-disabled', for: input.id },
        input,
        h('span', { class: 'choice-text' }, words)),
    };
  });
  const setAll = (v) => {
    for (const b of boxes) if (!b.input.disabled) b.input.checked = v;
  };
  const el = h('fieldset', { class: 'perm-fieldset', 'data-field': field },
    h('legend', null, legend),
    h('div', { class: 'perm-tools' },
      h('button', { type: 'button', class: 'linkish', onclick: () => setAll(true) }, 'Select all'),
      h('button', { type: 'button', class: 'linkish', onclick: () => setAll(false) }, 'Clear')),
    hasAll(allowed) ? null
      : h('p', { class: 'hint perm-note' }, 'Greyed-out permissions are ones you do not hold yourself, so you cannot grant them.'),
    h('div', { class: 'perm-grid' }, boxes.map((b) => b.label)));
  return {
    el,
    get: () => boxes.filter((b) => b.input.checked).map((b) => b.key),
    set: (keys) => {
      for (const b of boxes) b.input.checked = keys.includes(b.key);
    },
  };
}

// "All Permissions" / "Choose Permissions" and, for the second, the
// checkboxes. get() returns "all", a list, or null when none is chosen.
// allowed: what the acting user may grant ("All" then means all of those).
export function permPicker({ allowed = ALL_KEYS, name = 'scope' } = {}) {
  const id = ++seq;
  const all = h('input', { type: 'radio', name, value: 'all', id: `scope-${id}-all`, checked: true });
  const choose = h('input', { type: 'radio', name, value: 'choose', id: `scope-${id}-choose` });
  const boxes = permCheckboxes({ allowed, legend: 'Choose the permissions to grant', field: 'permission-list' });
  const limited = !hasAll(allowed);
  boxes.el.hidden = true;
  const sync = () => {
    boxes.el.hidden = !choose.checked;
  };
  all.addEventListener('change', sync);
  choose.addEventListener('change', sync);
  const el = h('div', { class: 'perm-picker', 'data-field': 'permissions' },
    h('fieldset', { 'data-field': 'scope' },
      h('legend', null, 'Permissions'),
      h('div', { class: 'choices-inline' },
        h('label', { class: 'choice', for: all.id }, all,
          h('span', { class: 'choice-text' }, 'All Permissions',
            h('small', null, limited ? 'Every permission you hold yourself' : 'Full access to this account'))),
        h('label', { class: 'choice', for: choose.id }, choose,
          h('span', { class: 'choice-text' }, 'Choose Permissions',
            h('small', null, 'Select exactly what they may do'))))),
    boxes.el);
  return {
    el,
    get() {
      if (all.checked) return limited ? sorted(allowed) : 'all';
      const keys = boxes.get();
      return keys.length ? keys : null;
    },
    reset() {
      all.checked = true;
      boxes.set([]);
      sync();
    },
  };
}
