// ?next= on /login and /register: after signing in (or creating the
// account) the browser follows it only to a path on this site. Every
// spelling that a URL parser turns into another site is tried in
// Chromium: dot segments that leave "//host" behind, encoded dots,
// backslashes (also %5c), tabs and newlines the parser strips, other
// schemes. Any request to another host is caught (and answered here, so
// a follow would be seen rather than lost in a DNS failure).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPage } from '../lib/browser.mjs';
import { PASSWORD, registerUser, uniqueEmail } from '../lib/client.mjs';
import { startStack } from '../lib/stack.mjs';

let s;
let browser;

before(async () => {
  s = await startStack();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await s?.stop();
});

// Each of these, given as next, must land on the Client Area.
const EVIL = [
  '/.//evil.example/phish',
  '/..//evil.example/phish',
  '/%2e//evil.example/phish',
  '/%2E%2E//evil.example/phish',
  '/./.././/evil.example/phish',
  '/portal/..//evil.example/phish',
  '/portal/%2e%2e//evil.example/phish',
  '//evil.example/phish',
  '///evil.example/phish',
  '/\\evil.example/phish',
  '/.\\/evil.example/phish',
  '/./\\evil.example/phish',
  '\\/evil.example/phish',
  '/%5cevil.example/phish',
  '/.//%5cevil.example/phish',
  '/\t/evil.example/phish',
  '/\n/evil.example/phish',
  '/.\r\n//evil.example/phish',
  '/\t.//evil.example/phish',
  'https://evil.example/phish',
  'http:evil.example/phish',
  'javascript:alert(document.domain)',
  ' //evil.example/phish',
];

// A page that records every request leaving for a host other than the
// stack's, and answers it itself.
async function watchedPage() {
  const w = await openPage(browser);
  const home = new URL(s.url).host;
  const away = [];
  await w.context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.host === home) return route.continue();
    away.push(u.href);
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<p>phished</p>' });
  });
  return { ...w, away };
}

// Wait until the page has gone from where it was, wherever that is; a
// page that stays is judged by the caller.
async function leaves(page, from) {
  try {
    await page.waitForURL((u) => u.pathname !== from, { timeout: 15000 });
    await page.waitForLoadState('load');
  } catch { /* still there */ }
}

async function signInWith(next, email) {
  const w = await watchedPage();
  const { page } = w;
  await page.goto(`${s.url}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await leaves(page, '/login');
  return w;
}

async function registerWith(next) {
  const w = await watchedPage();
  const { page } = w;
  await page.goto(`${s.url}/register?next=${encodeURIComponent(next)}`);
  await page.getByLabel('First name').fill('Nel');
  await page.getByLabel('Last name').fill('Next');
  await page.getByLabel('Email address').fill(uniqueEmail('next'));
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await leaves(page, '/register');
  return w;
}

// What went wrong with one next, or null.
function wrongTurn(w, next, want = `${s.url}/portal/`) {
  if (w.away.length) return `${JSON.stringify(next)} left the site for ${w.away.join(', ')}`;
  if (w.page.url() !== want) return `${JSON.stringify(next)} ended on ${w.page.url()}, not ${want}`;
  return null;
}

function assertHome(w, next, want) {
  const wrong = wrongTurn(w, next, want);
  assert.equal(wrong, null);
}

test('no spelling of another site in next leads there after signing in', async () => {
  const [, user] = await registerUser(s, { email: uniqueEmail('nel') });
  const wrong = [];
  for (const next of EVIL) {
    const w = await signInWith(next, user.email);
    try {
      wrong.push(wrongTurn(w, next) ?? []);
      if (w.page.url() === `${s.url}/portal/`) await w.page.locator('#no-account').waitFor();
    } finally {
      await w.close();
    }
  }
  assert.deepEqual(wrong.flat(), []);
});

test('no spelling of another site in next leads there after registering', async () => {
  const wrong = [];
  for (const next of EVIL) {
    const w = await registerWith(next);
    try {
      wrong.push(wrongTurn(w, next) ?? []);
    } finally {
      await w.close();
    }
  }
  assert.deepEqual(wrong.flat(), []);
});

test('a path on this site in next is followed, query and fragment kept', async () => {
  const [, user] = await registerUser(s, { email: uniqueEmail('nel') });
  for (const [next, want] of [
    ['/portal/?from=mail#people', '/portal/?from=mail#people'],
    ['/portal/./', '/portal/'],
    ['/reset-password', '/reset-password'],
  ]) {
    const w = await signInWith(next, user.email);
    try {
      assertHome(w, next, s.url + want);
      w.check();
    } finally {
      await w.close();
    }
    const r = await registerWith(next);
    try {
      assertHome(r, next, s.url + want);
      r.check();
    } finally {
      await r.close();
    }
  }
});
