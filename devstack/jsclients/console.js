// Drives Debian's Chromium with puppeteer-core through the local console
// (devstack/console): mints a token for alice in the page, uploads a file
// with the page's /presign form, downloads it a hundred times and more (so
// row numbers pass 100), then lets cos-js-sdk-v5, loaded into the console's
// page, try an upload outside alice's prefix with her /sts key, and uses a
// download URL for a PUT; it reads the console's explanation of both 403s
// (the second compared with what /download minted) and checks that the
// tables fit their columns. It also asks the "why 403?" box about an
// expired URL. Each step prints "ok <step>" or
// "FAIL <step>: <what the page showed>"; the Go test
// (devstack/e2e/console_browser_test.go) starts the stack and checks them.
//
//   CHROMIUM     the browser (default /usr/bin/chromium)
//   CONSOLE_URL  the console
//   COS_URL, BUCKET, REGION  the COS emulator and its bucket
//   EXPIRED_URL  a signed URL whose window has ended
//   SCREENSHOT   where to save the console as PNG
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const puppeteer = require('puppeteer-core');

const env = process.env;
const CHROMIUM = env.CHROMIUM || '/usr/bin/chromium';
let failed = false;

function report(name, ok, detail) {
  console.log((ok ? 'ok ' : 'FAIL ') + name + (ok ? '' : ': ' + detail));
  failed = failed || !ok;
}

async function textOf(page, selector) {
  return page.$eval(selector, (e) => e.innerText).catch(() => '(missing)');
}

async function step(name, fn) {
  try {
    const r = await fn();
    report(name, r.ok, r.detail);
  } catch (e) {
    report(name, false, e && e.message);
  }
}

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cosgate-console-'));
  const file = path.join(profile, 'hello.txt');
  fs.writeFileSync(file, 'hello from the console\n');
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--user-data-dir=' + profile],
  });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.log('pageerror: ' + e.message));
    await page.setViewport({ width: 1440, height: 1000 });
    await page.goto(env.CONSOLE_URL, { waitUntil: 'load' });

    await step('the console is live (server-sent events)', async () => {
      await page.waitForFunction(() => document.getElementById('live').textContent === 'live', { timeout: 15000 });
      return { ok: true };
    });

    await step('a development token is minted for alice', async () => {
      await page.click('#mint button');
      await page.waitForFunction(() => document.getElementById('token-out').textContent.includes('uid alice'), { timeout: 10000 });
      const shown = await textOf(page, '#token-out');
      const full = await page.evaluate(() => state.token);
      return { ok: full.length > 40 && !shown.includes(full), detail: 'shown: ' + shown };
    });

    await step('the upload form goes through /presign to COS', async () => {
      const input = await page.$('#file');
      await input.uploadFile(file);
      await page.click('#upload button');
      await page.waitForFunction(() => document.getElementById('upload-out').textContent !== '', { timeout: 10000 });
      const out = await textOf(page, '#upload-out');
      await page.waitForFunction(() => document.querySelector('#objects tbody').innerText.includes('uploads/alice/'), { timeout: 10000 });
      const rows = await page.$$eval('#requests tbody tr.row', (trs) => trs.map((tr) => tr.dataset.service + ' ' + tr.cells[5].innerText));
      return { ok: out.startsWith('Uploaded uploads/alice/') && rows.includes('presign 200') && rows.includes('cos 200'), detail: out + ' | ' + rows.join(', ') };
    });

    await step('an object downloads from the bucket list through /download', async () => {
      await page.click('#objects tbody a');
      // The signed URL carries Content-Disposition: attachment, so the new
      // tab saves rather than shows it; the console records the GET, linked
      // to the /download call that signed it.
      await page.waitForFunction(() => [...document.querySelectorAll('#requests tbody tr.row')].some((tr) =>
        tr.dataset.service === 'cos' && tr.cells[3].innerText === 'GET' && tr.cells[5].innerText === '200' &&
        /^minted by #\d+ download$/.test(tr.cells[9].innerText)), { timeout: 10000 });
      for (const p of await browser.pages()) if (p !== page) await p.close();
      return { ok: true };
    });

    await step('a hundred and more requests are numbered past 100', async () => {
      // One /download URL fetched again and again: each GET is a row.
      const n = await page.evaluate(async () => {
        const key = document.getElementById('upload-out').textContent.replace('Uploaded ', '');
        const res = await fetch(state.cfg.functions + '/download?format=json&key=' + encodeURIComponent(key),
          { headers: { Authorization: 'Bearer ' + state.token } });
        const d = await res.json();
        let ok = 0;
        for (let i = 0; i < 105; i++) ok += (await fetch(d.url, { cache: 'no-store' })).ok ? 1 : 0; // each one to COS, none from the cache
        return ok;
      });
      const top = await page.waitForFunction(() => Math.max(...state.rows.keys()) >= 110, { timeout: 10000 })
        .then(() => true, () => false);
      const last = await page.evaluate(() => Math.max(...state.rows.keys()));
      return { ok: n === 105 && top, detail: n + ' of 105 downloads answered 200; the last row is #' + last };
    });

    await step('cos-js-sdk-v5 with alice\'s /sts key is refused outside her prefix (403)', async () => {
      await page.addScriptTag({ path: path.join(__dirname, 'node_modules', 'cos-js-sdk-v5', 'dist', 'cos-js-sdk-v5.min.js') });
      // stsCOS is a cos-js-sdk-v5 client signing with alice's /sts key.
      await page.evaluate(() => {
        window.stsCOS = (cos) => new COS({
          Domain: cos, Protocol: 'http:',
          getAuthorization: (options, callback) => {
            fetch(state.cfg.functions + '/sts', {
              method: 'POST', headers: { Authorization: 'Bearer ' + state.token, 'Content-Type': 'application/json' }, body: '{}',
            }).then((r) => r.json()).then((d) => callback({
              TmpSecretId: d.credentials.tmpSecretId, TmpSecretKey: d.credentials.tmpSecretKey,
              SecurityToken: d.credentials.sessionToken, StartTime: d.startTime, ExpiredTime: d.expiredTime,
            }));
          },
        });
      });
      const status = await page.evaluate(({ cos, bucket, region }) => new Promise((resolve) => {
        stsCOS(cos).putObject({ Bucket: bucket, Region: region, Key: 'uploads/bob/not-mine.txt', Body: 'x' },
          (err, data) => resolve(err ? err.statusCode : data.statusCode));
      }), { cos: env.COS_URL, bucket: env.BUCKET, region: env.REGION });
      return { ok: status === 403, detail: 'status ' + status };
    });

    await step('the console explains the 403: PutObject outside the granted prefix', async () => {
      const row = 'tr.row.refused[data-service="cos"][data-kind="cam-denied"]';
      await page.waitForSelector(row, { timeout: 10000 });
      await page.click(row);
      await page.waitForSelector('tr.detail .reason', { timeout: 5000 });
      const text = await textOf(page, 'tr.detail .reason');
      const want = ['AccessDenied', 'cam-denied', 'uploads/bob/not-mine.txt is outside the grant\'s prefixes',
        'uploads/alice/*', 'name/cos:PutObject', 'Cause:', 'Fix:', 'STS_ALLOW_PREFIX'];
      const missing = want.filter((w) => !text.includes(w));
      return { ok: missing.length === 0, detail: 'missing ' + missing.join(', ') + ' in: ' + text };
    });

    // Each CAM refusal gets the fix for its action and condition, not the
    // write-outside-the-prefix one: a public-read ACL inside the prefix,
    // and a read of another caller's object.
    for (const c of [
      { name: 'a public-read upload inside the prefix gets the ACL fix', call: 'putObject', key: 'uploads/alice/public.txt',
        params: { Body: 'x', ACL: 'public-read' }, want: ['x-cos-acl', '/download'] },
      { name: 'a read outside the prefix gets the read fix', call: 'getObject', key: 'uploads/bob/theirs.txt',
        params: {}, want: ['/download'] },
    ]) {
      await step(c.name, async () => {
        const status = await page.evaluate(({ cos, bucket, region, call, key, params }) => new Promise((resolve) => {
          stsCOS(cos)[call](Object.assign({ Bucket: bucket, Region: region, Key: key }, params),
            (err, data) => resolve(err ? err.statusCode : data.statusCode));
        }), { cos: env.COS_URL, bucket: env.BUCKET, region: env.REGION, call: c.call, key: c.key, params: c.params });
        const id = await page.waitForFunction((key) => {
          const r = [...state.rows.values()].find((x) => x.service === 'cos' && x.status === 403 && x.path.endsWith(key));
          return r && document.getElementById('r' + r.seq) ? 'r' + r.seq : false;
        }, { timeout: 10000 }, c.key).then((h) => h.jsonValue());
        await page.click('#' + id);
        const text = await page.$eval('#' + id + ' + tr.detail .reason', (e) => e.innerText).catch(() => '(missing)');
        const fix = (text.split('Fix:')[1] || '').split('\n')[0];
        const missing = c.want.filter((w) => !fix.includes(w));
        return {
          ok: status === 403 && missing.length === 0 && !fix.includes('Upload under the prefix'),
          detail: status + ', fix missing ' + missing.join(', ') + ': ' + fix,
        };
      });
    }

    await step('the 403 links back to the /sts call that handed out the key', async () => {
      const link = await page.$eval('tr.row.refused[data-service="cos"][data-kind="cam-denied"]', (tr) => tr.cells[9].innerText);
      return { ok: /^from #\d+ sts$/.test(link), detail: link };
    });

    await step('a download URL used for a PUT is compared with what /download minted', async () => {
      // A download URL (signed for GET) used for a PUT.
      const status = await page.evaluate(async () => {
        const key = document.getElementById('upload-out').textContent.replace('Uploaded ', '');
        const res = await fetch(state.cfg.functions + '/download?format=json&key=' + encodeURIComponent(key),
          { headers: { Authorization: 'Bearer ' + state.token } });
        const d = await res.json();
        return (await fetch(d.url, { method: 'PUT', body: 'overwrite?' })).status;
      });
      const row = 'tr.row.refused[data-service="cos"][data-code="SignatureDoesNotMatch"]';
      await page.waitForSelector(row, { timeout: 10000 });
      await page.click(row);
      await page.waitForSelector('tr.detail .mint-words', { timeout: 5000 });
      const words = await textOf(page, 'tr.detail .mint-words');
      const text = await page.$eval(row + ' + tr.detail .reason', (e) => e.innerText).catch(() => '(missing)');
      return {
        ok: status === 403 && words.endsWith('signed for GET, sent as PUT') && /Minted by #\d+ download \(GET\)/.test(text) &&
          text.includes('signed:   GET') && text.includes('received: PUT'),
        detail: status + ' in: ' + text,
      };
    });

    await step('row numbers, statuses and the ACL fit their columns', async () => {
      const bad = await page.evaluate(() => {
        const out = [];
        const rows = [...document.querySelectorAll('#requests tbody tr.row')];
        if (!rows.some((tr) => Number(tr.cells[0].innerText) >= 100)) out.push('no row numbered 100 or more');
        for (const tr of rows) {
          const [seq, , , , , status] = tr.cells;
          const r = state.rows.get(Number(tr.id.slice(1)));
          if (seq.innerText !== String(r.seq) || seq.scrollWidth > seq.clientWidth) out.push('#' + r.seq + ' shows as ' + seq.innerText);
          const want = r.status + (r.code ? '\n' + r.code : '');
          if (status.innerText !== want || status.scrollWidth > status.clientWidth) out.push('#' + r.seq + ' status ' + JSON.stringify(status.innerText));
        }
        for (const td of document.querySelectorAll('#objects td.acl')) {
          const range = document.createRange();
          range.selectNodeContents(td);
          if (td.innerText !== 'private' || range.getClientRects().length !== 1 || td.scrollWidth > td.clientWidth) {
            out.push('ACL ' + JSON.stringify(td.innerText) + ' on ' + range.getClientRects().length + ' lines');
          }
        }
        if (!document.querySelector('#objects td.acl')) out.push('no ACL shown');
        return out;
      });
      return { ok: bad.length === 0, detail: bad.slice(0, 8).join('; ') };
    });

    await step('"why 403?" lists causes for a GET URL used as PUT, never a wrong key, and judges time by COS\'s', async () => {
      // COS answered the PUT (XML with its FormatString); its time, not
      // this machine's, says the window was current then.
      const got = await page.evaluate(async () => {
        const key = document.getElementById('upload-out').textContent.replace('Uploaded ', '');
        const res = await fetch(state.cfg.functions + '/download?format=json&key=' + encodeURIComponent(key),
          { headers: { Authorization: 'Bearer ' + state.token } });
        const d = await res.json();
        const put = await fetch(d.url, { method: 'PUT', body: 'overwrite?' });
        return { url: d.url, xml: await put.text() };
      });
      await page.$eval('#ex-signed', (e, v) => { e.value = v; }, got.url);
      await page.$eval('#ex-xml', (e, v) => { e.value = v; }, got.xml);
      await page.$eval('#ex-method', (e) => { e.value = 'PUT'; });
      await page.click('#explain button');
      await page.waitForFunction(() => document.querySelector('#explain-out .candidates'), { timeout: 5000 });
      const text = await textOf(page, '#explain-out');
      const first = await page.$eval('#explain-out .candidates li', (e) => e.innerText).catch(() => '');
      // The expired URL (its window ended an hour ago) with COS's answer
      // from while it was current: judged at COS's ServerTime, not expired.
      const serverTime = new Date(Date.now() - 90 * 60 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
      await page.$eval('#ex-signed', (e, v) => { e.value = v; }, env.EXPIRED_URL);
      await page.$eval('#ex-xml', (e, v) => { e.value = v; }, '<Error><Code>SignatureDoesNotMatch</Code>' +
        '<Message>The Signature you specified is invalid.</Message><ServerTime>' + serverTime + '</ServerTime></Error>');
      await page.$eval('#ex-method', (e) => { e.value = 'GET'; });
      await page.click('#explain button');
      await page.waitForFunction((t) => document.querySelector('#explain-out .verdict') &&
        document.getElementById('explain-out').innerText !== t, { timeout: 5000 }, text);
      const then = await textOf(page, '#explain-out');
      for (const id of ['#ex-signed', '#ex-xml', '#ex-method']) await page.$eval(id, (e) => { e.value = ''; });
      return {
        ok: text.startsWith('signature-mismatch') && !text.includes('wrong-key') && first.startsWith('The method') &&
          then.startsWith('signature-mismatch') && !then.includes('wrong-key'),
        detail: text + '\n--- at COS\'s time:\n' + then,
      };
    });

    await step('"why 403?" explains an expired URL', async () => {
      await page.type('#ex-signed', env.EXPIRED_URL);
      await page.click('#explain button');
      await page.waitForSelector('#explain-out .verdict', { timeout: 5000 });
      const text = await textOf(page, '#explain-out');
      return { ok: text.startsWith('expired') && /expired 1h0m\d+s ago/.test(text), detail: text };
    });

    await step('charts and refusal counts are drawn', async () => {
      await page.waitForFunction(() => document.querySelectorAll('#charts svg').length >= 4 &&
        document.querySelector('#reasons').innerText.includes('cam-denied'), { timeout: 10000 });
      return { ok: true };
    });

    // Tall enough for both explanations opened above: the mismatch and the CAM denial.
    await page.setViewport({ width: 1440, height: 1400 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: env.SCREENSHOT });
  } catch (e) {
    report('driver', false, e && e.stack);
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
})();
