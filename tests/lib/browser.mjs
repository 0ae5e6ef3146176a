// Chromium for the browser tests: Debian's /usr/bin/chromium driven by
// playwright-core (never a downloaded browser), a fresh profile per
// launch. Every page is watched: a console error, an uncaught exception,
// a CSP violation, a failed request, a missing asset or an API answer of
// 5xx is a problem, and check() fails the test with the list. API answers
// of 4xx are the pages' ordinary input (they show them in words), so
// Chromium's "Failed to load resource" line for those is not. Each
// screenshot is also an axe-core check (axeCheck): a serious or critical
// accessibility violation fails the test.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { PASSWORD } from './client.mjs';
import { REPO } from './stack.mjs';

export const SHOTS = path.join(REPO, 'test-output', 'screenshots');

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

export async function launchBrowser() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A fresh context (its own cookies) with one watched page:
// {context, page, problems, check()}
export async function openPage(browser, { viewport = DESKTOP, storageState } = {}) {
  const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'UTC', storageState });
  const problems = [];
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} in ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    const m = /^Failed to load resource: the server responded with a status of (\d+)/.exec(text);
    if (m && Number(m[1]) < 500 && /\/api\/v1\//.test(msg.location().url || '')) return;
    problems.push(`console error: ${text} (${msg.location().url || 'no url'})`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
  page.on('response', (res) => {
    const url = res.url();
    const st = res.status();
    if (url.includes('/api/v1/') ? st >= 500 : st >= 400) problems.push(`HTTP ${st} for ${url}`);
  });
  page.on('requestfailed', (req) => {
    const why = req.failure()?.errorText || '';
    // a fetch cut short by the page navigating away is not a failure
    if (why.includes('ERR_ABORTED')) return;
    problems.push(`request failed: ${req.url()} ${why}`);
  });
  return {
    context,
    page,
    problems,
    check() {
      if (problems.length) throw new Error(`the page had problems:\n  ${problems.join('\n  ')}`);
    },
    async close() {
      await context.close();
    },
  };
}

// axe-core, from node_modules (nothing fetched from elsewhere). Its
// source is evaluated through the DevTools protocol, which the page's CSP
// and Trusted Types do not govern; axe itself writes no markup, so a
// violation it caused would still be reported by openPage's watch.
const AXE = fs.readFileSync(path.join(REPO, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const AXE_FAILS = new Set(['serious', 'critical']);

// Run axe-core on the page as it is now; throw on any serious or critical
// violation, naming the rule, the element and what axe says is wrong.
export async function axeCheck(page, where = page.url()) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 160), why: n.failureSummary })),
    }));
  });
  const bad = violations.filter((v) => AXE_FAILS.has(v.impact));
  if (!bad.length) return;
  const lines = bad.flatMap((v) => v.nodes.map((n) => `${v.impact} ${v.id} (${v.help}) at ${n.target}: ${n.html}\n      ${(n.why || '').replace(/\n/g, ' ')}`));
  throw new Error(`axe-core found ${lines.length} serious or critical violation(s) on ${where}:\n  ${lines.join('\n  ')}`);
}

// Save a full-page screenshot as test-output/screenshots/NAME.png, then
// check the state shown with axe-core.
export async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  await axeCheck(page, `${name} (${page.url()})`);
}

// The same URL at phone width, signed in as in w (a watched page from
// openPage); what goes wrong there counts among w's problems.
export async function phoneShot(browser, w, url, name, ready) {
  const phone = await openPage(browser, { viewport: PHONE, storageState: await w.context.storageState() });
  try {
    await phone.page.goto(url);
    if (ready) await ready(phone.page);
    await shot(phone.page, name);
  } finally {
    w.problems.push(...phone.problems);
    await phone.close();
  }
}

// Sign in to the Admin Area at url as the administrator email (made with
// memberctl and PASSWORD), and wait for the list of clients.
export async function adminSignIn(page, url, email) {
  await page.goto(`${url}/admin/`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Clients' }).waitFor();
}
