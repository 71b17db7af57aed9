// The fleet console in a real headless Chromium (Debian's), driven by playwright-core. Run by
// tests/e2e/console_browser_test.sh, which starts the panels, the API server and the operator.
//
// Usage: node console_test.mjs CONFIG.json
//   {"base": "http://127.0.0.1:PORT", "control": "http://127.0.0.1:PORT" (x3ui-sim's control API),
//    "namespace": "...", "nodes": ["fra-1", ...], "down": "fra-2", "user": {"query": "...", "name": "...", "node": "..."},
//    "secrets": ["..."], "screenshot": "path.png", "deadlineSeconds": 60}
// Prints one line per check ("FAIL: ..." for a failed one) and exits non-zero when any failed.
import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const deadline = (config.deadlineSeconds ?? 60) * 1000;
let passed = 0;
let failed = 0;
function check(what, ok, detail = '') {
  if (ok) { passed++; console.log('ok: ' + what); } else { failed++; console.log('FAIL: ' + what + (detail ? ': ' + detail : '')); }
}
// Awaits `promise` (a wait with its own deadline); a timeout or error fails the check.
async function within(what, promise) {
  try {
    await promise;
    check(what, true);
    return true;
  } catch (e) {
    check(what, false, e.message.split('\n')[0]);
    return false;
  }
}

// Every body the browser received, and the ones fetched directly (the event stream's included),
// for the credential search at the end.
const bodies = [];
const nodeKey = (name) => config.namespace + '/' + name;
const phaseOf = (page, name) => page.locator(`#nodes tr[data-node="${nodeKey(name)}"] .phase-name`);

// A fresh profile each run (playwright passes it as --user-data-dir). No network on the test
// machines: everything Chromium would fetch on its own is turned off, so that the only
// connections are the page's.
const profile = mkdtempSync(join(tmpdir(), 'x3ui-console-chromium-'));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1400, height: 1000 },
});
try {
  const page = browser.pages()[0] ?? await browser.newPage();
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.on('response', async (r) => {
    try { bodies.push({ url: r.url(), text: await r.text() }); } catch { /* a stream cut by the page */ }
  });
  let navigations = 0;
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations++; });

  const first = await page.goto(config.base + '/');
  check('the page answers 200', first.status() === 200, String(first.status()));
  const csp = first.headers()['content-security-policy'] || '';
  check('the page has a Content-Security-Policy without inline script', csp.includes("script-src 'self'") && !csp.includes('unsafe-inline'), csp);
  check('nosniff and no-store', first.headers()['x-content-type-options'] === 'nosniff' && first.headers()['cache-control'] === 'no-store');

  for (const name of config.nodes) {
    await within(`node ${name} is listed as Ready`, phaseOf(page, name).filter({ hasText: /^Ready$/ }).waitFor({ timeout: deadline }));
  }
  await within('the live indicator says Live', page.locator('#live', { hasText: 'Live' }).waitFor({ timeout: deadline }));
  const tiers = await page.locator('#tiers tbody tr').count();
  check('the capacity table lists the tiers and regions', tiers >= 2, String(tiers));
  check('the node table has a row header per node', await page.locator('#nodes tbody th[scope="row"]').count() === config.nodes.length);

  // Take a panel down; the page must show it without a reload (the event stream).
  await page.evaluate(() => { window.x3uiMarker = 'same document'; });
  const navigationsBefore = navigations;
  const started = Date.now();
  const outage = await fetch(`${config.control}/panels/${config.down}/faults`, { method: 'PUT', body: '{"outage":true}' });
  check('the simulator takes the panel down', outage.ok, String(outage.status));
  const shown = await within(`node ${config.down} turns Unreachable on the page without a reload`,
    phaseOf(page, config.down).filter({ hasText: /^Unreachable$/ }).waitFor({ timeout: deadline }));
  if (shown) console.log(`(Unreachable shown ${((Date.now() - started) / 1000).toFixed(1)} s after the outage)`);
  check('no navigation happened', navigations === navigationsBefore && await page.evaluate(() => window.x3uiMarker) === 'same document');
  await within("the moves table lists a user waiting to leave the node",
    page.locator('#moves tbody tr', { hasText: config.down }).filter({ hasText: 'NodeUnreachable' }).first().waitFor({ timeout: deadline }));

  // The lookup, through its labelled form.
  await page.getByLabel('User name, email or id').fill(config.user.query);
  await page.getByRole('button', { name: 'Find' }).click();
  const userRow = page.locator(`#users tr[data-user="${nodeKey(config.user.name)}"]`);
  if (await within(`the lookup finds ${config.user.name}`, userRow.waitFor({ timeout: deadline }))) {
    const cells = await userRow.locator('td').allTextContents();
    check(`and says it is on ${config.user.node}`, cells.includes(config.user.node), cells.join(' | '));
    check('with its conditions', (await userRow.locator('ul.conditions li').count()) > 0);
  }
  await page.screenshot({ path: config.screenshot, fullPage: true });
  console.log('screenshot: ' + config.screenshot);
  check('no script error on the page', consoleErrors.length === 0, consoleErrors.join('; '));

  bodies.push({ url: 'page DOM', text: await page.content() });
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}

// Each kind of response fetched directly too: the browser's copy of an event stream may be cut.
for (const path of ['/', '/console.js', '/console.css', '/api/fleet', `/api/users?q=${encodeURIComponent(config.user.query)}`,
  '/api/users?q=a', '/events']) {
  const r = await fetch(config.base + path);
  bodies.push({ url: path, text: await r.text() });
}
check('the event stream was read', bodies.some((b) => b.url === '/events' && b.text.startsWith('retry: 1000\nid: ')));
const post = await fetch(config.base + '/api/fleet', { method: 'POST', body: '{}' });
check('a POST is refused with 405', post.status === 405, String(post.status));
const leaks = [];
for (const secret of config.secrets) {
  for (const b of bodies) if (secret.length >= 6 && b.text.includes(secret)) leaks.push(b.url);
}
check(`no credential in any of ${bodies.length} bodies (${config.secrets.length} secrets searched)`, leaks.length === 0, leaks.join(', '));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
