// Drives Debian's Chromium with puppeteer-core (never a browser of its own)
// through browser/page.html: once on the origin CORS_ALLOW_ORIGINS lists,
// once on a second host name mapped to 127.0.0.1 that it does not list. It
// prints each step as "ok <step>" or "FAIL <step>: <the page's own text>",
// each object README's browser blocks uploaded as "stored <block> <key>",
// and saves a screenshot of the result page. The Go test
// (devstack/e2e/browser_test.go) serves the page and the stack.
//
//   CHROMIUM     the browser (default /usr/bin/chromium)
//   PAGE_URL     the page on the allowed origin, with its query string
//   FOREIGN_URL  the same page on the foreign origin
//   SCREENSHOT   where to save the result page as PNG
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const puppeteer = require('puppeteer-core');

const { PAGE_URL, FOREIGN_URL, SCREENSHOT } = process.env;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

async function run(browser, url, screenshot) {
  const page = await browser.newPage();
  page.on('console', (m) => { if (m.type() === 'error') console.log('console: ' + m.text()); });
  page.on('pageerror', (e) => console.log('pageerror: ' + e.message));
  await page.setViewport({ width: 1000, height: 900 });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction('window.cosgateResults !== undefined', { timeout: 60000 });
  const results = await page.evaluate('window.cosgateResults');
  for (const { name, key } of await page.evaluate('window.cosgateStored || []')) console.log('stored ' + name + ' ' + key);
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  return results;
}

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cosgate-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // The closed network here refuses Chromium's background connections;
    // evil.test is a second origin on loopback.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--user-data-dir=' + profile,
      '--host-resolver-rules=MAP evil.test 127.0.0.1'],
  });
  let failed = false;
  try {
    const all = [...await run(browser, PAGE_URL, SCREENSHOT), ...await run(browser, FOREIGN_URL)];
    for (const r of all) {
      console.log((r.ok ? 'ok ' : 'FAIL ') + r.name + (r.ok ? '' : ': ' + r.detail));
      failed = failed || !r.ok;
    }
  } catch (e) {
    console.log('FAIL driver: ' + (e && e.stack));
    failed = true;
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
})();
