// The Admin Area's shared pieces: the view and flash boxes, how a client
// is named and its status shown, the query of a hash route, go(), which
// renders a route with a message shown after it, and searchList(), the
// searched and paged list of the Clients and Users pages.
import { call, describe } from './api.js';
import { $, badge, clearFlash, fill, flash, fullName, h } from './dom.js';

export const view = $('#view');
export const flashBox = $('#flash');
let nextFlash = null;
let router = async () => {};

const STATUS = { active: ['Active', 'ok'], inactive: ['Inactive', 'warn'], closed: ['Closed', ''] };

export function statusBadge(s) {
  const [t, k] = STATUS[s] || [s, ''];
  return badge(t, k);
}

export function clientName(c) {
  return c.company_name || fullName(c) || `Client #${c.id}`;
}

export function parseQuery(q) {
  const p = new URLSearchParams(q || '');
  return { search: p.get('search') || '', page: Math.max(1, Number(p.get('page')) || 1) };
}

// admin.js hands over its router.
export function setRouter(fn) {
  router = fn;
}

export function route() {
  return router();
}

// Show a message after the next navigation's render.
export function go(hash, message) {
  nextFlash = message || null;
  if (location.hash === hash) return route();
  location.hash = hash;
  return undefined;
}

export function showNextFlash() {
  if (nextFlash) flash(flashBox, 'ok', ...[].concat(nextFlash));
  else clearFlash(flashBox);
  nextFlash = null;
}

// A list searched as one types (a quarter second after the last key) and
// paged: its search form and results box, and load(search, page), which
// keeps the route's query in step and draws only the latest answer.
// what: 'clients' or 'users' (the route, the API path, the element ids);
// table(answer, search, toPage) draws one answer.
export function searchList({ what, label, placeholder, table, live = false }) {
  const input = h('input', { id: `${what.slice(0, -1)}-search`, name: 'search', type: 'search', placeholder, autocomplete: 'off' });
  const results = h('div', { id: `${what.slice(0, -1)}-results`, ...(live ? { 'aria-live': 'polite' } : {}) },
    h('p', { class: 'loading', role: 'status' }, 'Searching…'));
  const form = h('form', { class: 'search-bar', role: 'search', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: input.id }, label), input),
    h('button', { type: 'submit', class: 'btn' }, 'Search'));
  let timer = null;
  let asked = 0;
  const load = async (s, p) => {
    const mine = ++asked;
    history.replaceState(null, '', `#/${what}${s || p > 1 ? `?${new URLSearchParams({ ...(s ? { search: s } : {}), ...(p > 1 ? { page: p } : {}) })}` : ''}`);
    try {
      const r = await call('GET', `/admin/${what}?search=${encodeURIComponent(s)}&page=${p}`);
      if (mine === asked) fill(results, table(r, s, (np) => load(s, np)));
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
  return { input, form, results, load };
}
