// The Admin Area's shared pieces: the view and flash boxes, how a client
// is named and its status shown, the query of a hash route, and go(),
// which renders a route with a message shown after it.
import { $, badge, clearFlash, flash, fullName } from './dom.js';

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
