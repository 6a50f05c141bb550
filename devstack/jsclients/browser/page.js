// The browser test's page: a web app on its own origin that uses cosgate
// as README.md tells a web developer to, with cos-js-sdk-v5 and fetch(),
// against the local stack on another origin. Each step reports ok or FAIL
// into the page; browser.js (puppeteer-core) reads them and takes a
// screenshot. Configuration comes in the query string (steps.js).
'use strict';

let readmeText;
async function readme() {
  if (readmeText === undefined) readmeText = await (await fetch('/README.md')).text();
  return readmeText;
}

// stackFor is what snippets.local needs to point a README block at the stack.
const stackFor = () => ({ api: cfg.api, cos: cfg.cos, bucket: cfg.bucket, region: cfg.region });

// makeCOS takes the client out of README.md's cos-js-sdk-v5 block, pointed
// at the stack (snippets.local); scoped takes the block's own alternative (a
// scope per request, ScopeLimit). Its file-input handler is left on an
// input of its own, never used: runSnippet runs the block whole.
async function makeCOS(token, scoped) {
  let code = window.snippets.local(window.snippets.snippet(await readme(), 'browser-sdk'), stackFor());
  if (scoped) code = window.snippets.scoped(code, 'body: JSON.stringify({}),', 'body: JSON.stringify({ scope: options.Scope }),');
  const doc = { getElementById: () => document.createElement('input') };
  return new Function('COS', 'token', 'uid', 'document', code + '\nreturn cos;')(window.COS, token, cfg.uid, doc);
}

// runSnippet runs a README browser block as written, but for snippets.local,
// on a page like the one the README describes: a fresh
// <input type="file" id="file">, then a user choosing file in it. It
// resolves with what the block logged, once it logs (or after 30 s).
async function runSnippet(name, file) {
  const stack = name === 'browser-sdk' ? stackFor() : { api: cfg.api };
  const code = window.snippets.local(window.snippets.snippet(await readme(), name), stack);
  const old = document.getElementById('file');
  if (old) old.remove();
  const input = document.createElement('input');
  input.type = 'file';
  input.id = 'file';
  document.body.appendChild(input);
  return new Promise((resolve) => {
    const out = [];
    const done = () => resolve(out);
    const cons = {
      log: (...a) => { out.push(a.join(' ')); done(); },
      error: (...a) => { out.push('error ' + JSON.stringify(a)); done(); },
    };
    setTimeout(done, 30000);
    new Function('COS', 'token', 'uid', 'console', code)(window.COS, cfg.token, cfg.uid, cons);
    const chosen = new DataTransfer();
    chosen.items.add(file);
    input.files = chosen.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  });
}

async function api(path, token, init = {}) {
  const headers = { Authorization: 'Bearer ' + token, ...(init.headers || {}) };
  return fetch(cfg.api + path, { ...init, headers });
}

async function presign(token, body) {
  const res = await api('/presign', token, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, data: await res.json() };
}

// putWith sends a Blob to a presigned URL with the returned headers. A
// browser refuses to set Content-Length and computes it from the body, so
// the Blob must be exactly the declared size.
function headersFor(p) {
  const h = { ...p.headers };
  delete h['Content-Length'];
  return h;
}

async function downloadJSON(token, key) {
  const res = await api('/download?format=json&key=' + encodeURIComponent(key), token);
  return { status: res.status, data: await res.json() };
}

async function allowedOrigin() {
  const base = { Bucket: cfg.bucket, Region: cfg.region };
  const cos = await makeCOS(cfg.token);

  let r = await sdk(cos, 'putObject', { ...base, Key: 'uploads/u1/browser.txt', Body: 'hello from Chromium' });
  report('cos-js-sdk-v5 putObject with the README getAuthorization', statusOf(r) === 200, JSON.stringify(r.err));
  report('CORS preflights answered (Authorization from another origin)', statusOf(r) === 200, 'the /sts call failed');

  r = await sdk(cos, 'putObject', { ...base, Key: 'uploads/u2/browser.txt', Body: 'not mine' });
  report('putObject outside the prefix is refused (403)', statusOf(r) === 403, JSON.stringify(r.err || r.data));

  const big = bytes(3 * 1024 * 1024 + 17, 13);
  r = await sdk(cos, 'uploadFile', { ...base, Key: 'uploads/u1/big.bin', Body: new Blob([big]), SliceSize: 1024 * 1024 });
  report('uploadFile of a 3 MB Blob (multipart) with the default grant', statusOf(r) === 200 && !r.err, JSON.stringify(r.err));
  const d = await downloadJSON(cfg.token, 'uploads/u1/big.bin');
  const back = d.status === 200 ? new Uint8Array(await (await fetch(d.data.url)).arrayBuffer()) : new Uint8Array();
  report('the 3 MB upload reads back byte-equal through /download', equal(back, big), d.status + ' ' + back.length + ' bytes');

  const scoped = await makeCOS(cfg.token, true);
  r = await sdk(scoped, 'putObject', { ...base, Key: 'uploads/u1/scoped.txt', Body: 'scoped' });
  report('scoped getAuthorization (ScopeLimit) uploads its key', statusOf(r) === 200, JSON.stringify(r.err));
  r = await sdk(scoped, 'putObject', { ...base, Key: 'uploads/u2/scoped.txt', Body: 'scoped' });
  report('a scope outside the prefix fails the upload (refused by /sts)', !!r.err && !r.data, JSON.stringify(r.data));

  // Presigned PUT through fetch: the browser sets Content-Length itself.
  const png = bytes(2048, 7);
  let p = await presign(cfg.token, { ext: 'png', size: png.length });
  let res = await fetch(p.data.url, { method: 'PUT', headers: headersFor(p.data), body: new Blob([png]) });
  report('presigned PUT through fetch', res.status === 200, res.status + ' ' + (await res.text()));
  res = await fetch(p.data.url, { method: 'PUT', headers: headersFor(p.data), body: new Blob([png]) });
  report('the same PUT again is refused (409)', res.status === 409, res.status);
  res = await fetch(p.data.url, { method: 'PUT', headers: headersFor(p.data), body: new Blob([png, png]) });
  report('a body of another size is refused (403)', res.status === 403, res.status);

  // Presigned PUT through XHR.
  p = await presign(cfg.token, { ext: 'png', size: png.length });
  const status = await new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', p.data.url);
    for (const [k, v] of Object.entries(headersFor(p.data))) xhr.setRequestHeader(k, v);
    xhr.onload = () => resolve(xhr.status);
    xhr.onerror = () => resolve('network error');
    xhr.send(new Blob([png]));
  });
  report('presigned PUT through XHR', status === 200, status);

  // POST form through FormData.
  const jpg = bytes(1500, 3);
  p = await presign(cfg.token, { ext: 'jpg', size: jpg.length, method: 'POST' });
  const form = new FormData();
  for (const [k, v] of Object.entries(p.data.formData)) form.append(k, v);
  form.append(p.data.fileField, new Blob([jpg], { type: 'image/jpeg' }), 'photo.jpg');
  res = await fetch(p.data.url, { method: 'POST', body: form });
  report('POST form through FormData', res.status === 200, res.status + ' ' + (await res.text()));

  // Downloads: JSON, and a followed 302.
  const dj = await downloadJSON(cfg.token, 'uploads/u1/browser.txt');
  const text = dj.status === 200 ? await (await fetch(dj.data.url)).text() : '';
  report('/download as JSON, then the signed URL', text === 'hello from Chromium', dj.status + ' ' + text);
  res = await api('/download?key=uploads/u1/browser.txt', cfg.token);
  const followed = await res.text();
  report('/download as a followed 302', res.status === 200 && res.redirected && followed === 'hello from Chromium',
    res.status + ' redirected=' + res.redirected + ' ' + followed);

  const other = await downloadJSON(cfg.token2, 'uploads/u1/browser.txt');
  report("another uid is refused u1's key (403)", other.status === 403, other.status + ' ' + JSON.stringify(other.data));
}

// readmeBrowserBlocks runs README.md's three browser blocks as written: the
// cos-js-sdk-v5 upload (a file above SliceSize, so multipart), the
// pre-signed PUT through fetch and the POST form through FormData. Each
// must upload the chosen file under uploads/<uid>/ and read back
// byte-equal through /download; window.cosgateStored tells the Go test
// which keys to check in the COS emulator.
async function readmeBrowserBlocks() {
  const prefix = 'uploads/' + cfg.uid + '/';
  const files = {
    'browser-sdk': new File([bytes(Number(cfg.sdkSize), Number(cfg.sdkSeed))], cfg.sdkName, { type: 'application/octet-stream' }),
    'browser-put': new File([cfg.putBody], 'photo.jpg', { type: 'image/jpeg' }),
    'browser-post': new File([cfg.postBody], 'photo.png', { type: 'image/png' }),
  };
  for (const [name, file] of Object.entries(files)) {
    const out = await runSnippet(name, file);
    const logged = out[0] || '';
    let key = '';
    if (name === 'browser-sdk') {
      // data.Location is host/key, without the scheme.
      const want = prefix + cfg.sdkName;
      if (logged.startsWith('uploaded ') && logged.endsWith('/' + want)) key = want;
    } else {
      const m = /^uploaded (\S+)$/.exec(logged);
      if (m && m[1].startsWith(prefix)) key = m[1];
    }
    report('README ' + name + ' block uploads under ' + prefix, !!key, JSON.stringify(out));
    if (!key) continue;
    const d = await downloadJSON(cfg.token, key);
    const back = d.status === 200 ? new Uint8Array(await (await fetch(d.data.url)).arrayBuffer()) : new Uint8Array();
    const sent = new Uint8Array(await file.arrayBuffer());
    report('README ' + name + ' block: /download gives the same bytes', equal(back, sent), d.status + ' ' + back.length + ' of ' + sent.length + ' bytes');
    stored.push({ name, key });
  }
}

const stored = [];

// foreignOrigin runs on an origin CORS_ALLOW_ORIGINS does not list: the
// browser must not let the page read /sts's answer.
async function foreignOrigin() {
  try {
    const res = await api('/sts', cfg.token, { method: 'POST' });
    report('a foreign origin cannot read /sts', false, 'got ' + res.status);
  } catch (e) {
    report('a foreign origin cannot read /sts', e instanceof TypeError, e);
  }
}

(async () => {
  try {
    if (cfg.mode === 'foreign') {
      await foreignOrigin();
    } else {
      await allowedOrigin();
      await readmeBrowserBlocks();
    }
  } catch (e) {
    report('page', false, e && e.stack);
  }
  document.title = results.every((r) => r.ok) ? 'passed' : 'failed';
  window.cosgateStored = stored;
  window.cosgateResults = results;
})();
