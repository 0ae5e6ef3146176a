// A client's Activity tab (#/clients/ID/activity): the audit entries,
// newest first and paged, their details in words (activity.js).
import { call, describe } from './api.js';
import { fill, h } from './dom.js';
import { activityTable } from './activity.js';
import { clientName, parseQuery } from './admin-common.js';

// people: user id -> email of the current members, to name ids.
export async function activityTab(c, body, query, people) {
  const page = parseQuery(query).page;
  fill(body, h('p', { class: 'loading', role: 'status' }, 'Loading the activity…'));
  let r;
  try {
    r = await call('GET', `/admin/clients/${c.id}/activity?page=${page}`);
  } catch (err) {
    fill(body, h('div', { class: 'alert alert-error', role: 'alert' }, describe(err)));
    return;
  }
  const entries = r.entries || [];
  const first = (r.page - 1) * r.per_page + 1;
  const last = first + entries.length - 1;
  const pager = r.total > entries.length
    ? h('div', { class: 'pager' },
      h('span', null, `Showing ${first}–${last} of ${r.total}`),
      h('div', { class: 'btns' },
        r.page > 1 ? h('a', { class: 'btn btn-sm', href: `#/clients/${c.id}/activity?page=${r.page - 1}` }, 'Newer') : null,
        last < r.total ? h('a', { class: 'btn btn-sm', href: `#/clients/${c.id}/activity?page=${r.page + 1}` }, 'Older') : null))
    : null;
  fill(body, h('section', { class: 'card', id: 'activity', 'aria-labelledby': 'activity-title' },
    h('div', { class: 'card-head' }, h('div', null,
      h('h2', { id: 'activity-title' }, 'Activity', h('span', { class: 'count' }, String(r.total ?? entries.length))),
      h('p', null, 'Every change to who can reach this account, newest first.'))),
    entries.length
      ? activityTable(entries, `Activity of ${clientName(c)}`, people)
      : h('p', { class: 'empty' }, 'Nothing has happened on this account yet.'),
    pager));
}
