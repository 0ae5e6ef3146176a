// The Admin Area's Webhooks view in Chromium, at desktop and phone width:
// an administrator reaches it from the top bar with the keyboard, sees
// each endpoint's state (enabled, dead deliveries, disabled with its
// reason) and never a secret, opens an endpoint's recent deliveries and
// filters them by state. Every screenshot is an axe-core check.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSignIn, launchBrowser, openPage, phoneShot, shot } from '../lib/browser.mjs';
import { adminClient, registerUser, uniqueEmail } from '../lib/client.mjs';
import { startStack, waitFor } from '../lib/stack.mjs';
import { addEndpoint, deliverer, receiver } from '../lib/webhook-peer.mjs';

const ADMIN = uniqueEmail('ada');
let s;
let browser;
let rx;
let d;
const eps = {};

before(async () => {
  s = await startStack({ mailer: false });
  await adminClient(s, ADMIN, 'Ada Admin');
  browser = await launchBrowser();
  rx = await receiver((req, res, r) => {
    if (r.path === '/gone') { res.writeHead(410, { 'content-type': 'text/plain' }); res.end('this hook was removed'); return; }
    res.writeHead(204); res.end();
  });
  eps.ok = addEndpoint(s, `${rx.url}/billing`, 'user.*,member.*');
  eps.gone = addEndpoint(s, `${rx.url}/gone`, 'user.created');
  eps.off = addEndpoint(s, 'https://crm.example.com/hooks', 'invite.*');
  assert.equal(s.memberctl(['webhook', 'disable', String(eps.off.id)]).status, 0);
  d = deliverer(s, 'wh-admin-view', 'webhooks_backoff_unit = 50ms\n');
  for (let i = 0; i < 3; i++) await registerUser(s);
  await waitFor('the deliveries settled', () => s.sql(`SELECT count(*) FROM webhook_deliveries
    WHERE state IN ('delivered', 'dead')`)[0][0] === '6');
});

after(async () => {
  if (d) assert.equal((await d.stop()).code, 0);
  await browser?.close();
  await rx?.close();
  await s?.stop();
});

test('Webhooks: the endpoints, reached by keyboard; an endpoint\'s deliveries filtered by state', async () => {
  const w = await openPage(browser);
  const { page } = w;
  await adminSignIn(page, s.url, ADMIN);
  const nav = page.getByRole('navigation', { name: 'Admin Area' }).getByRole('link', { name: 'Webhooks' });
  await nav.focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
  assert.equal(await nav.getAttribute('aria-current'), 'page');

  const row = (id) => page.locator(`#endpoints tr[data-endpoint="${id}"]`);
  assert.match(await row(eps.ok.id).innerText(), /user\.\*, member\.\*[\s\S]*Enabled/);
  assert.match(await row(eps.gone.id).innerText(), /Failing\s+0\s+3\s+Never[\s\S]*Failing since/);
  assert.match(await row(eps.off.id).innerText(), /Disabled/);
  const html = await page.content();
  for (const e of Object.values(eps)) assert.ok(!html.includes(e.secret.slice(6, 26)), 'no secret on the page');
  await shot(page, 'w1-admin-webhooks');
  await phoneShot(browser, w, page.url(), 'w2-admin-webhooks-phone', (p) => p.locator('#endpoints').waitFor());

  /* Tab to the endpoint's link, Enter: its deliveries */
  const link = row(eps.gone.id).getByRole('link');
  await link.focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Recent deliveries' }).waitFor();
  assert.equal(new URL(page.url()).hash, `#/webhooks/${eps.gone.id}`);
  const dead = page.locator('#delivery-list tbody tr');
  assert.equal(await dead.count(), 3);
  assert.match(await dead.first().innerText(), /user\.created[\s\S]*Dead[\s\S]*HTTP 410: this hook was removed/);
  await shot(page, 'w3-admin-webhook-deliveries');

  await page.getByLabel('Show').selectOption('delivered');
  await page.waitForURL(/state=delivered$/);
  await page.getByText('No delivery in this state.').waitFor();
  await page.getByLabel('Show').selectOption('dead');
  await page.locator('#delivery-list').waitFor();
  assert.equal(await page.locator('#delivery-list tbody tr[data-state="dead"]').count(), 3);

  await page.goto(`${s.url}/admin/#/webhooks/${eps.ok.id}`);
  await page.locator('#delivery-list').waitFor();
  assert.equal(await page.locator('#delivery-list tbody tr[data-state="delivered"]').count(), 3);
  await phoneShot(browser, w, page.url(), 'w4-admin-webhook-deliveries-phone', (p) => p.locator('#delivery-list').waitFor());
  /* back by the breadcrumb */
  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Webhooks' }).click();
  await page.locator('#endpoints').waitFor();
  w.check();
  await w.close();
});
