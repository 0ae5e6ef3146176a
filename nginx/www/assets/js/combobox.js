// "Select User": type a name or an email, pick an existing user from the
// live search of GET /admin/users, or choose "Create new user" for an
// email nobody has. An ARIA combobox: arrows move, Enter picks, Escape
// closes; the pick shows as a card with a Change button.
import { call, describe } from './api.js';
import { badge, h, whoBlock } from './dom.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
let seq = 0;

// Returns {el, get(), reset()}: get() is null, {user} or {email};
// onPick(picked) is told each change of it.
// Anyone can register any address: say which users never proved theirs,
// so that picking one is a choice made knowingly.
function unverified(u) {
  if (u.email_verified !== false) return [];
  const b = badge('Email not verified', 'warn');
  b.title = 'This user has not proved that the address is theirs.';
  return [b];
}

export function userPicker({ label = 'Select User', hint, allowCreate = true, fields = 'user user_id email', onPick } = {}) {
  const id = `picker-${++seq}`;
  const listId = `${id}-list`;
  let options = [];
  let active = -1;
  let picked = null;
  let timer = null;
  let asked = 0;

  const input = h('input', {
    id,
    type: 'text',
    role: 'combobox',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-autocomplete': 'list',
    'aria-expanded': 'false',
    'aria-controls': listId,
    'aria-describedby': hint ? `${id}-hint` : null,
    placeholder: 'Type a name or email address',
  });
  const list = h('ul', { id: listId, role: 'listbox', 'aria-label': 'Matching users', hidden: true });
  const status = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  const searchBox = h('div', { class: 'combobox' }, input, list);
  const pickedBox = h('div', { class: 'picked', hidden: true });
  const el = h('div', { class: 'field', 'data-fields': fields },
    h('label', { for: id }, label),
    searchBox, pickedBox,
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    status);

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function highlight(i) {
    active = i;
    options.forEach((o, j) => o.li.setAttribute('aria-selected', j === i ? 'true' : 'false'));
    if (i >= 0) {
      input.setAttribute('aria-activedescendant', options[i].li.id);
      options[i].li.scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function choose(i) {
    const o = options[i];
    if (!o) return;
    picked = o.value;
    close();
    onPick?.(picked);
    const who = picked.user
      ? whoBlock(picked.user, ...unverified(picked.user))
      : h('div', { class: 'who' },
        h('span', { class: 'avatar plus', 'aria-hidden': 'true' }, '+'),
        h('div', { class: 'who-text' },
          h('div', { class: 'who-name' }, picked.email, ' ', badge('New user', 'ok')),
          h('div', { class: 'who-email' }, 'A user is created for this address')));
    const change = h('button', { type: 'button', class: 'btn btn-sm', 'aria-label': `Change the selected user (${picked.user ? picked.user.email : picked.email})` }, 'Change');
    change.addEventListener('click', () => {
      picked = null;
      onPick?.(null);
      pickedBox.hidden = true;
      pickedBox.replaceChildren();
      searchBox.hidden = false;
      input.focus();
      input.select();
    });
    pickedBox.replaceChildren(who, change);
    pickedBox.hidden = false;
    searchBox.hidden = true;
    status.textContent = picked.user ? `Selected ${picked.user.email}.` : `New user ${picked.email}.`;
    change.focus();
  }

  function render(q, users, error) {
    options = [];
    list.replaceChildren();
    users.forEach((u) => {
      const li = h('li', { role: 'option', id: `${id}-opt-${options.length}`, 'aria-selected': 'false', dataset: { userId: u.id } },
        whoBlock(u, ...unverified(u)));
      options.push({ li, value: { user: u } });
    });
    const exact = users.some((u) => u.email.toLowerCase() === q.toLowerCase());
    if (allowCreate && EMAIL.test(q) && !exact) {
      const li = h('li', { role: 'option', id: `${id}-opt-${options.length}`, 'aria-selected': 'false', class: 'create-option' },
        h('span', { class: 'avatar plus', 'aria-hidden': 'true' }, '+'),
        h('span', null, h('strong', null, 'Create new user'), ` ${q}`));
      options.push({ li, value: { email: q } });
    }
    options.forEach((o, i) => {
      o.li.addEventListener('mousedown', (e) => e.preventDefault());
      o.li.addEventListener('click', () => choose(i));
      list.appendChild(o.li);
    });
    if (error) {
      list.appendChild(h('li', { class: 'option-note', role: 'presentation' }, error));
    } else if (!options.length) {
      list.appendChild(h('li', { class: 'option-note', role: 'presentation' },
        allowCreate ? 'No user matches. Type a full email address to create a new user.' : 'No user matches.'));
    }
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    status.textContent = error || `${users.length} matching user${users.length === 1 ? '' : 's'}.`;
    highlight(options.length ? 0 : -1);
  }

  async function search() {
    const q = input.value.trim();
    const mine = ++asked;
    if (!q) {
      close();
      return;
    }
    try {
      const r = await call('GET', `/admin/users?search=${encodeURIComponent(q)}`);
      if (mine === asked) render(q, r.users || []);
    } catch (err) {
      if (mine === asked) render(q, [], describe(err));
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 180);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (list.hidden) {
        search();
        return;
      }
      if (!options.length) return;
      const d = e.key === 'ArrowDown' ? 1 : -1;
      highlight((active + d + options.length) % options.length);
    } else if (e.key === 'Enter') {
      if (!list.hidden && active >= 0) {
        e.preventDefault();
        choose(active);
      } else if (input.value.trim()) {
        // Enter never submits a half-chosen user: search instead
        e.preventDefault();
        clearTimeout(timer);
        search();
      }
    } else if (e.key === 'Escape' && !list.hidden) {
      e.preventDefault();
      e.stopPropagation();
      close();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 120));

  return {
    el,
    get: () => picked,
    reset() {
      picked = null;
      onPick?.(null);
      input.value = '';
      pickedBox.hidden = true;
      pickedBox.replaceChildren();
      searchBox.hidden = false;
      close();
    },
  };
}
