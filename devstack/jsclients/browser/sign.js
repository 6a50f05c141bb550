// The /sign browser test's page (devstack/e2e/sign_test.go TestSignBrowser):
// the stock cos-js-sdk-v5, on its own origin, with a getAuthorization that
// POSTs the options it receives to /sign (JSON.stringify(options), Bearer
// token) and hands the answer to the callback as it is. Steps are named
// "sign browser …" and reported into the page; ../browser.js reads them.
// Configuration comes in the query string: api, cos, bucket, region, token.
'use strict';

const MiB = 1024 * 1024;

function show(r) {
  return JSON.stringify(r.err || r.data).slice(0, 400);
}

// The client: what a web page does with /sign. refusals keeps the keys
// /sign refused, so a step can tell a refusal by /sign from one by COS.
let signCalls = 0;
const refusals = [];
const cos = new COS({
  Domain: cfg.cos,
  Protocol: 'http:',
  getAuthorization(options, callback) {
    signCalls++;
    fetch(cfg.api + '/sign', {
      method: 'POST',
      headers: { Authorization: 'Bearer ' + cfg.token, 'Content-Type': 'application/json' },
      body: JSON.stringify(options),
    })
      .then((res) => res.json().then((data) => ({ res, data })))
      .then(({ res, data }) => {
        if (res.status !== 200 || !data.Authorization) {
          refusals.push(options.Key);
          // Shown by ../browser.js: what the SDK asked, what /sign said (no secret in either).
          console.error('/sign ' + res.status + ' ' + JSON.stringify(data).slice(0, 300) + ' for ' + JSON.stringify(options));
          throw new Error('sign refused: ' + res.status + ' ' + JSON.stringify(data).slice(0, 300));
        }
        callback(data);
      })
      .catch((e) => callback({ error: e.message }));
  },
});

async function readBack(key, want, step) {
  const r = await sdk(cos, 'getObject', { Bucket: cfg.bucket, Region: cfg.region, Key: key, DataType: 'arraybuffer' });
  const back = r.data && r.data.Body ? new Uint8Array(r.data.Body) : new Uint8Array();
  report(step, statusOf(r) === 200 && equal(back, want), statusOf(r) + ' ' + back.length + ' bytes ' + (r.err ? show(r) : ''));
}

async function run() {
  const base = { Bucket: cfg.bucket, Region: cfg.region };
  const text = 'a Blob signed by /sign in Chromium: 签名 ✓';
  let r = await sdk(cos, 'putObject', { ...base, Key: 'uploads/u1/browser.txt', Body: new Blob([text]), ContentType: 'text/plain' });
  report('sign browser putObject of a Blob', statusOf(r) === 200 && !r.err, show(r));
  r = await sdk(cos, 'getObject', { ...base, Key: 'uploads/u1/browser.txt' });
  report('sign browser getObject reads the Blob back', statusOf(r) === 200 && r.data.Body === text, show(r));

  // 12 MiB in 1 MiB parts, straight through, read back.
  const big = bytes(12 * MiB + 101, 13);
  r = await sdk(cos, 'uploadFile', { ...base, Key: 'uploads/u1/browser-big.jpg', Body: new Blob([big]), ContentType: 'image/jpeg',
    SliceSize: MiB, ChunkSize: MiB });
  report('sign browser uploadFile of 12 MB (multipart)', statusOf(r) === 200 && !r.err, show(r));
  await readBack('uploads/u1/browser-big.jpg', big, 'sign browser the 12 MB upload reads back byte-equal');

  // The same size again at 16 Mbit/s a request, paused once a MiB is sent
  // and restarted a second later.
  const again = bytes(12 * MiB + 202, 17);
  let taskId, paused = false, resumedAt = 0;
  r = await new Promise((resolve) => {
    cos.uploadFile({
      ...base, Key: 'uploads/u1/browser-resumed.jpg', Body: new Blob([again]), ContentType: 'image/jpeg', SliceSize: MiB, ChunkSize: MiB,
      Headers: { 'x-cos-traffic-limit': String(16 * MiB) },
      onTaskReady(id) { taskId = id; },
      onProgress(p) {
        if (!paused && p.loaded >= MiB) {
          paused = true;
          cos.pauseTask(taskId);
          setTimeout(() => { resumedAt = Date.now(); cos.restartTask(taskId); }, 1000);
        }
      },
    }, (err, data) => { if (!err || !paused || resumedAt) resolve({ err, data }); });
  });
  report('sign browser uploadFile of 12 MB paused and resumed', statusOf(r) === 200 && !r.err && paused && resumedAt > 0,
    'paused=' + paused + ' resumed=' + resumedAt + ' ' + show(r));
  await readBack('uploads/u1/browser-resumed.jpg', again, 'sign browser the resumed upload reads back byte-equal');

  let n = refusals.length;
  r = await sdk(cos, 'putObject', { ...base, Key: 'uploads/u2/browser.txt', Body: new Blob([text]), ContentType: 'text/plain' });
  report('sign browser putObject outside the prefix is refused', !!r.err && refusals.slice(n).includes('uploads/u2/browser.txt'), show(r));
  n = refusals.length;
  r = await sdk(cos, 'putObject', { ...base, Key: 'uploads/u1/browser-public.txt', Body: new Blob([text]), ContentType: 'text/plain',
    ACL: 'public-read' });
  report('sign browser putObject with ACL public-read is refused',
    !!r.err && refusals.slice(n).includes('uploads/u1/browser-public.txt'), show(r));

  report('sign browser getAuthorization called /sign', signCalls > 0, signCalls + ' calls');

  // README.md's sign-browser block, as written but for snippets.local (the
  // API, the bucket, the COS address), on a page like the README's: a
  // user chooses a 1.5 MB photo in <input type="file" id="file">.
  const readme = await (await fetch('/README.md')).text();
  const code = window.snippets.local(window.snippets.snippet(readme, 'sign-browser'),
    { api: cfg.api, cos: 'http://' + cfg.cos, bucket: cfg.bucket, region: cfg.region });
  const input = document.createElement('input');
  input.type = 'file';
  input.id = 'file';
  document.body.appendChild(input);
  const photo = new File([bytes(1536 * 1024 + 9, 17)], 'readme-photo.jpg', { type: 'image/jpeg' });
  const logged = await new Promise((resolve) => {
    const cons = { log: (...a) => resolve(a.join(' ')), error: (...a) => resolve('error ' + JSON.stringify(a)) };
    setTimeout(() => resolve('no answer in 30 s'), 30000);
    new Function('COS', 'token', 'uid', 'console', code)(window.COS, cfg.token, 'u1', cons);
    const chosen = new DataTransfer();
    chosen.items.add(photo);
    input.files = chosen.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  });
  report('sign browser README sign-browser block uploads the chosen file', /^uploaded /.test(logged), logged);
  await readBack('uploads/u1/readme-photo.jpg', bytes(1536 * 1024 + 9, 17), 'sign browser the README upload reads back byte-equal');
}

(async () => {
  if (cfg.mode !== 'none') {
    try {
      await run();
    } catch (e) {
      report('sign browser page', false, e && e.stack);
    }
  }
  document.title = results.every((r) => r.ok) ? 'passed' : 'failed';
  window.cosgateStored = [];
  window.cosgateResults = results;
})();
