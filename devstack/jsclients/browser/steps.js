// What the browser tests' pages (page.js, sign.js) share: the query
// string's configuration, the steps each page reports into its list (which
// ../browser.js reads), the SDK's callbacks as promises, and test bytes.
'use strict';

const cfg = Object.fromEntries(new URLSearchParams(location.search));
const results = [];

function report(name, ok, detail) {
  results.push({ name, ok: !!ok, detail: ok ? '' : String(detail) });
  const li = document.createElement('li');
  li.className = ok ? 'ok' : 'fail';
  li.textContent = (ok ? 'ok ' : 'FAIL ') + name + (ok ? '' : ': ' + detail);
  document.getElementById('results').appendChild(li);
}

// sdk wraps an SDK call in a promise of {err, data}.
function sdk(cos, method, params) {
  return new Promise((resolve) => cos[method](params, (err, data) => resolve({ err, data })));
}

function statusOf(r) {
  return r.err ? r.err.statusCode : r.data && r.data.statusCode;
}

// bytes is n bytes of a pattern seeded by seed: what a test uploads and
// expects back.
function bytes(n, seed) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * seed + 7) & 0xff;
  return b;
}

function equal(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
