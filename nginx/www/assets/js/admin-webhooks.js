// The Admin Area's Webhooks view, read only (operators change endpoints
// with memberctl webhook): the endpoints (#/webhooks), and one endpoint's
// recent deliveries (#/webhooks/ID?state=), newest first. Never a secret:
// the API has none to give.
import { call, describe } from './api.js';
import { badge, fill, formatDateTime, h, when } from './dom.js';
import { view } from './admin-common.js';

const STATES = {
  queued: ['Queued', 'warn'],
  sending: ['Sending', 'warn'],
  delivered: ['Delivered', 'ok'],
  failed: ['Retrying', 'warn'],
  dead: ['Dead', 'danger'],
};

function stateBadge(s) {
  const [t, k] = STATES[s] || [s, ''];
  return badge(t, k);
}

function endpointBadge(e) {
  if (!e.enabled) return badge('Disabled', 'danger');
  if (e.failing_since) return badge('Failing', 'warn');
  return badge('Enabled', 'ok');
}

const muted = (t) => h('span', { class: 'muted' }, t);

function failure(e) {
  if (!e.enabled) {
    return h('div', null, e.disabled_at ? `Disabled ${formatDateTime(e.disabled_at)}` : 'Disabled',
      e.disabled_reason ? h('div', { class: 'who-email' }, e.disabled_reason) : null);
  }
  if (e.failing_since) return h('div', null, `Failing since ${formatDateTime(e.failing_since)}`);
  return muted('—');
}

function failed(err, what) {
  fill(view, h('section', { class: 'card' }, h('h1', null, what),
    h('div', { class: 'alert alert-error', role: 'alert' }, describe(err))));
}

export async function webhooksView() {
  document.title = 'Webhooks · Admin Area';
  fill(view, h('p', { class: 'loading', role: 'status' }, 'Loading the webhooks…'));
  let r;
  try {
    r = await call('GET', '/admin/webhooks');
  } catch (err) {
    failed(err, 'Webhooks');
    return;
  }
  const eps = r.endpoints || [];
  fill(view,
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'Webhooks'),
      h('p', null, 'Where memberd announces changes of users, accounts and invitations. ',
        'Operators add, disable and remove endpoints with ', h('code', null, 'memberctl webhook'), '.'))),
    h('section', { class: 'card', id: 'webhooks', 'aria-labelledby': 'endpoints-title' },
      h('div', { class: 'card-head' }, h('div', null,
        h('h2', { id: 'endpoints-title' }, 'Endpoints', h('span', { class: 'count' }, String(eps.length))))),
      eps.length
        ? h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'endpoints' },
          h('caption', { class: 'visually-hidden' }, 'Webhook endpoints'),
          h('thead', null, h('tr', null,
            h('th', { scope: 'col' }, 'Endpoint'), h('th', { scope: 'col' }, 'Events'),
            h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Waiting'),
            h('th', { scope: 'col' }, 'Dead'), h('th', { scope: 'col' }, 'Last delivered'),
            h('th', { scope: 'col' }, 'Problem'))),
          h('tbody', null, eps.map((e) => h('tr', { dataset: { endpoint: String(e.id) } },
            h('td', { class: 'cell-main' },
              h('a', { href: `#/webhooks/${e.id}`, class: 'url', title: `Deliveries to ${e.url}` }, e.url)),
            h('td', { 'data-label': 'Events' }, e.events.join(', ')),
            h('td', { 'data-label': 'Status' }, endpointBadge(e)),
            h('td', { 'data-label': 'Waiting' }, String(e.waiting)),
            h('td', { 'data-label': 'Dead' }, String(e.dead)),
            h('td', { 'data-label': 'Last delivered', class: 'nowrap' },
              e.last_delivered_at ? when(e.last_delivered_at) : muted('Never')),
            h('td', { 'data-label': 'Problem' }, failure(e)))))))
        : h('p', { class: 'empty' }, 'No endpoint is registered. ',
          h('code', null, 'memberctl webhook add URL --events invite.*,member.*'), ' adds one.')));
}

function stateFilter(id, state) {
  const sel = h('select', { id: 'delivery-state', name: 'state' },
    h('option', { value: '' }, 'All'),
    Object.entries(STATES).map(([k, [t]]) => h('option', { value: k, selected: k === state }, t)));
  sel.addEventListener('change', () => {
    location.hash = `#/webhooks/${id}${sel.value ? `?state=${sel.value}` : ''}`;
  });
  return h('div', { class: 'field field-inline' }, h('label', { for: 'delivery-state' }, 'Show'), sel);
}

function outcome(d) {
  if (d.state === 'delivered') return d.last_status ? `HTTP ${d.last_status}` : muted('—');
  const parts = [];
  if (d.last_status) parts.push(`HTTP ${d.last_status}`);
  if (d.last_error) parts.push(d.last_error);
  const next = d.next_attempt_at && d.state === 'failed' ? `Next try ${formatDateTime(d.next_attempt_at)}` : null;
  if (!parts.length && !next) return muted('—');
  return h('div', null, parts.length ? h('div', { class: 'delivery-error' }, parts.join(': ')) : null,
    next ? h('div', { class: 'who-email' }, next) : null);
}

export async function deliveriesView(id, query) {
  const state = new URLSearchParams(query || '').get('state') || '';
  document.title = 'Webhook deliveries · Admin Area';
  fill(view, h('p', { class: 'loading', role: 'status' }, 'Loading the deliveries…'));
  let eps;
  let r;
  try {
    eps = (await call('GET', '/admin/webhooks')).endpoints || [];
    r = await call('GET', `/admin/webhooks/${id}/deliveries?limit=100${state ? `&state=${encodeURIComponent(state)}` : ''}`);
  } catch (err) {
    failed(err, 'Webhook deliveries');
    return;
  }
  const ep = eps.find((e) => e.id === id);
  const list = r.deliveries || [];
  fill(view,
    h('div', { class: 'page-head' }, h('div', null,
      h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/webhooks' }, 'Webhooks'), ` / Endpoint #${id}`),
      h('h1', null, 'Recent deliveries'),
      ep ? h('p', null, h('span', { class: 'url' }, ep.url), ' ', endpointBadge(ep)) : null)),
    h('section', { class: 'card', id: 'deliveries', 'aria-labelledby': 'deliveries-title' },
      h('div', { class: 'card-head' },
        h('div', null, h('h2', { id: 'deliveries-title' }, state ? STATES[state]?.[0] ?? state : 'All',
          h('span', { class: 'count' }, String(list.length))),
        h('p', null, 'Newest first, the last 100 at most.')),
        stateFilter(id, state)),
      list.length
        ? h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'delivery-list' },
          h('caption', { class: 'visually-hidden' }, `Deliveries to endpoint ${id}, newest first`),
          h('thead', null, h('tr', null,
            h('th', { scope: 'col' }, 'Event'), h('th', { scope: 'col' }, 'Created'),
            h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Attempts'),
            h('th', { scope: 'col' }, 'Outcome'))),
          h('tbody', null, list.map((d) => h('tr', { dataset: { delivery: String(d.id), state: d.state } },
            h('td', { class: 'cell-main' }, h('strong', null, d.type), h('div', { class: 'who-email' }, d.event_id)),
            h('td', { 'data-label': 'Created', class: 'nowrap' }, when(d.created_at)),
            h('td', { 'data-label': 'State' }, stateBadge(d.state)),
            h('td', { 'data-label': 'Attempts' }, String(d.attempts)),
            h('td', { 'data-label': 'Outcome' }, outcome(d)))))))
        : h('p', { class: 'empty' }, state ? 'No delivery in this state.' : 'Nothing has been sent to this endpoint yet.')));
}
