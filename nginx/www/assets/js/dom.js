// Building the page from data. Names, emails and company names are typed
// by users (attackers among them): they only ever become text nodes or
// attribute values, never markup. The CSP's Trusted Types rule makes any
// markup string an error anyway.

// h('p', {class: 'x', onclick: fn}, 'text', child, [more]) -> element
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') {
        el.addEventListener(k.slice(2), v);
      } else if (k === 'class') {
        el.className = v;
      } else if (k === 'dataset') {
        Object.assign(el.dataset, v);
      } else if (k === 'hidden' || k === 'disabled' || k === 'checked' || k === 'required') {
        el[k] = Boolean(v);
      } else {
        el.setAttribute(k, v === true ? '' : String(v));
      }
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function $(sel, root = document) {
  return root.querySelector(sel);
}

export function $$(sel, root = document) {
  return [...root.querySelectorAll(sel)];
}

// Replace the children of el.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function fullName(o) {
  return [o.first_name, o.last_name].filter(Boolean).join(' ').trim();
}

export function initials(o) {
  const a = (o.first_name || '').trim();
  const b = (o.last_name || '').trim();
  const s = (a.charAt(0) + b.charAt(0)) || (o.email || '?').charAt(0);
  return s.toUpperCase();
}

// An email address that wraps only at sensible points: a <wbr> before
// "@" and before each dot (never mid-word), the whole address in its
// title for when a part is cut short by an ellipsis.
export function emailText(email) {
  const parts = String(email).split(/(?=[@.])/);
  const out = [];
  parts.forEach((p, i) => {
    if (i) out.push(h('wbr'));
    out.push(p);
  });
  return h('span', { class: 'email', title: email }, out);
}

// The person, as a block: avatar, name, email.
export function whoBlock(o, ...badges) {
  const name = fullName(o);
  return h('div', { class: 'who' },
    h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(o)),
    h('div', { class: 'who-text' },
      h('div', { class: 'who-name' }, name || emailText(o.email), badges.length ? ' ' : null, badges),
      name ? h('div', { class: 'who-email' }, emailText(o.email)) : null));
}

export function badge(text, kind) {
  return h('span', { class: kind ? `badge badge-${kind}` : 'badge' }, text);
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function formatDateTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : dateTime.format(d);
}

export function formatDate(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : dateOnly.format(d);
}

// "in 6 days", "3 hours ago"
export function fromNow(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const s = (d.getTime() - Date.now()) / 1000;
  const abs = Math.abs(s);
  if (abs < 60) return relative.format(Math.round(s), 'second');
  if (abs < 3600) return relative.format(Math.round(s / 60), 'minute');
  if (abs < 86400) return relative.format(Math.round(s / 3600), 'hour');
  return relative.format(Math.round(s / 86400), 'day');
}

// <time> with the full date, and a muted relative line under it.
export function when(iso, { never = 'Never', rel = true } = {}) {
  if (!iso) return h('span', { class: 'muted' }, never);
  return h('span', { class: 'when' },
    h('time', { datetime: iso, title: iso }, formatDateTime(iso)),
    rel ? h('small', null, fromNow(iso)) : null);
}

// A polite status line (role=status) that screen readers announce.
export function flash(container, kind, ...text) {
  const box = h('div', { class: `alert alert-${kind} flash`, role: kind === 'error' ? 'alert' : 'status' }, ...text);
  fill(container, box);
  return box;
}

export function clearFlash(container) {
  container.replaceChildren();
}

// An earlier message goes as soon as a later action starts (a form is
// sent, or a row's button pressed), so that it never sits above that
// action's own outcome.
export function clearFlashOnAction(container) {
  document.addEventListener('submit', () => clearFlash(container), true);
  document.addEventListener('click', (e) => {
    if (e.target instanceof Element && e.target.closest('td.actions button')) clearFlash(container);
  }, true);
}

// After the page is drawn again, put focus back where it was: the button
// of the same label in the row of the same key, else the message of the
// outcome, else the main region. Only when focus was lost (on <body>).
export function refocus(rowSelector, label) {
  if (document.activeElement && document.activeElement !== document.body) return;
  const row = rowSelector ? document.querySelector(rowSelector) : null;
  const same = row && [...row.querySelectorAll('button')].find((b) => b.textContent === label && !b.disabled);
  if (same) {
    same.focus();
    return;
  }
  const msg = document.querySelector('#flash .alert');
  const target = msg || document.querySelector('#main');
  if (!target) return;
  if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
  target.focus();
}

// The token of a link: the URL fragment, decoded when it can be. It
// stays in the fragment so that no server (nor Referer) ever sees it.
export function fragment() {
  try {
    return decodeURIComponent(location.hash.slice(1)).trim();
  } catch {
    return location.hash.slice(1);
  }
}

// Sent to the sign-in page, coming back here afterwards.
export function toLogin(loginPath = '/login') {
  const next = location.pathname + location.search + location.hash;
  location.replace(`${loginPath}?next=${encodeURIComponent(next)}`);
}

// Where to go after signing in: only a path on this site.
// Refused outright: anything that is not a path ("https:", "javascript:"),
// a backslash or %5c (browsers read "\" as "/"), and the tabs, newlines
// and other controls a URL parser silently drops ("/\t/x" is "//x").
// The rest is resolved the way the browser will resolve it, and followed
// only when it stays on this origin AND its path does not begin with "//"
// or "/\": "/.//evil.example" resolves, on this origin, to the path
// "//evil.example", which location.assign() would take as another host.
const NEXT_REFUSED = /[\\\u0000-\u0020\u007f]|%5c/i;

export function safeNext(fallback) {
  return safePath(new URLSearchParams(location.search).get('next'), fallback);
}

// The same rule for any path given (an SSO link's destination).
export function safePath(next, fallback) {
  if (!next || !next.startsWith('/') || NEXT_REFUSED.test(next)) return fallback;
  let url;
  try {
    url = new URL(next, location.origin);
  } catch {
    return fallback;
  }
  if (url.origin !== location.origin) return fallback;
  if (/^\/[/\\]/.test(url.pathname) || NEXT_REFUSED.test(url.pathname)) return fallback;
  const path = url.pathname + url.search + url.hash;
  // what location.assign() will make of it, once more
  if (new URL(path, location.origin).origin !== location.origin) return fallback;
  return path;
}
