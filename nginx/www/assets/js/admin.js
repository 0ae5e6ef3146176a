// /admin/: the Admin Area. Sign in, the top bar, and the routes: find a
// client (#/clients?search=, admin-clients.js); create one
// (#/clients/new, admin-clients.js); a client's profile with its Users
// tab (#/clients/ID, admin-client.js and admin-associate.js) and its
// Activity tab (#/clients/ID/activity, admin-activity.js); the Users
// directory (#/users?search=&page=) and a user's page (#/users/ID),
// admin-users.js; the webhook endpoints and their deliveries (#/webhooks,
// admin-webhooks.js).
import { call, describe, setCsrf, whenSignedOut } from './api.js';
import { $, clearFlash, clearFlashOnAction, fill, flash, h } from './dom.js';
import { requireFilled, submitting, values } from './forms.js';
import { flashBox, setRouter, showNextFlash, view } from './admin-common.js';
import { clientsView, newClientView } from './admin-clients.js';
import { profileView } from './admin-client.js';
import { userView, usersView } from './admin-users.js';
import { deliveriesView, webhooksView } from './admin-webhooks.js';
import { twoFactorStep } from './two-factor-step.js';
import { mountTwoFactor } from './security-2fa.js';

let admin = null;

// ---- sign-in ----

function signIn() {
  $('#topnav').hidden = true;
  $('#admin-menu').replaceChildren();
  document.title = 'Sign in · Admin Area';
  const form = h('form', { id: 'admin-login', novalidate: true },
    h('div', { class: 'field' },
      h('label', { for: 'admin-email' }, 'Email address'),
      h('input', { id: 'admin-email', name: 'email', type: 'email', autocomplete: 'username', required: true })),
    h('div', { class: 'field' },
      h('label', { for: 'admin-password' }, 'Password'),
      h('input', { id: 'admin-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Sign in'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = values(form);
    const r = await submitting(form, async () => {
      if (!requireFilled(form, ['email', 'password'], { email: 'your email address', password: 'your password' })) return null;
      return call('POST', '/admin/auth/login', { email: v.email, password: v.password });
    }, { invalid_credentials: 'password' });
    if (!r) return;
    if (r.two_factor_required) {
      secondStep(r.challenge);
      return;
    }
    signedIn(r);
  });
  clearFlash(flashBox);
  fill(view, h('section', { class: 'card auth-card narrow', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Admin Area'),
    h('p', { class: 'lede' }, 'Sign in with your administrator account.'),
    form));
  $('#admin-email').focus();
}

function signedIn(r) {
  admin = r.admin;
  setCsrf(r.csrf_token);
  chrome();
  route();
}

// With two-factor authentication on: the code before any session.
function secondStep(challenge) {
  const step = twoFactorStep({
    challenge,
    admin: true,
    id: 'admin-two-factor',
    onDone: signedIn,
    onRestart: (message) => {
      signIn();
      flash(flashBox, 'error', message);
    },
  });
  fill(view, h('section', { class: 'card auth-card narrow', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Two-factor authentication'),
    step));
  step.querySelector('input').focus();
}

function chrome() {
  $('#topnav').hidden = false;
  const out = h('button', { type: 'button', class: 'menu-item', id: 'admin-sign-out' }, 'Sign out');
  out.addEventListener('click', async () => {
    try {
      await call('POST', '/admin/auth/logout');
      admin = null;
      setCsrf(null);
      history.replaceState(null, '', '/admin/');
      signIn();
    } catch (err) {
      flash(flashBox, 'error', describe(err));
    }
  });
  const menu = h('details', { class: 'menu', id: 'admin-account' },
    h('summary', null, h('span', { class: 'menu-label' }, admin.name || admin.email)),
    h('div', { class: 'menu-panel' },
      h('div', { class: 'menu-head' }, `Signed in as ${admin.email}`),
      h('ul', null,
        h('li', null, h('a', { class: 'menu-item', href: '#/security', id: 'admin-security' }, 'Two-factor authentication')),
        h('li', { class: 'menu-sep', 'aria-hidden': 'true' }),
        h('li', null, out))));
  fill($('#admin-menu'), menu);
}

// The administrator's own two-factor authentication (security-2fa.js).
function securityView() {
  document.title = 'Two-factor authentication · Admin Area';
  for (const d of document.querySelectorAll('details.menu[open]')) d.open = false;
  const box = h('div', { id: 'admin-2fa' });
  fill(view, h('div', { class: 'page-head' }, h('div', null,
    h('h1', { id: 'security-title' }, 'Your sign-in'),
    h('p', null, 'Two-factor authentication for your administrator account.'))), box);
  mountTwoFactor(box, { admin: true });
}

// ---- routing ----

async function route() {
  if (!admin) return;
  $('#nav-clients').removeAttribute('aria-current');
  $('#nav-users').removeAttribute('aria-current');
  const hash = location.hash.replace(/^#/, '') || '/clients';
  const [path, query] = hash.split('?');
  const m = path.match(/^\/clients\/(\d+)(\/activity)?$/);
  const u = path.match(/^\/users(?:\/(\d+))?$/);
  const hook = path.match(/^\/webhooks(?:\/(\d+))?$/);
  $('#nav-webhooks').removeAttribute('aria-current');
  if (hook) {
    $('#nav-webhooks').setAttribute('aria-current', 'page');
    if (hook[1]) await deliveriesView(Number(hook[1]), query);
    else await webhooksView();
  } else if (path === '/security') securityView();
  else if (path === '/clients/new') newClientView();
  else if (u && u[1]) await userView(Number(u[1]));
  else if (u) await usersView(query);
  else if (m) await profileView(Number(m[1]), m[2] ? 'activity' : 'users', query);
  else await clientsView(query);
  showNextFlash();
  window.scrollTo(0, 0);
}

setRouter(route);
window.addEventListener('hashchange', route);
document.addEventListener('click', (e) => {
  for (const d of document.querySelectorAll('details.menu[open]')) if (!d.contains(e.target)) d.open = false;
});
document.addEventListener('keydown', (e) => {
  const open = e.key === 'Escape' && document.querySelector('details.menu[open]');
  if (open) {
    open.open = false;
    open.querySelector('summary').focus();
  }
});

async function boot() {
  clearFlashOnAction(flashBox);
  whenSignedOut(() => {
    if (!admin) return;
    admin = null;
    setCsrf(null);
    signIn();
    flash(flashBox, 'info', 'Your session has ended. Sign in again to continue.');
  });
  try {
    const r = await call('GET', '/admin/me');
    admin = r.admin;
    setCsrf(r.csrf_token);
  } catch (err) {
    if (err.status === 401) {
      if (!$('#admin-login')) signIn();
      return;
    }
    fill(view, h('div', { class: 'alert alert-error', role: 'alert' }, describe(err)));
    return;
  }
  chrome();
  await route();
}

boot();
