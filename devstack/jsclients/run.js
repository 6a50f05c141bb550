// Drives the official npm COS SDKs against cosgate's local stack: the
// functions for temporary keys, the COS emulator for storage. The Go test
// (devstack/e2e) starts the stack, runs this with its addresses, and checks
// that every step printed "ok".
//
//   FUNCTIONS_URL  http://127.0.0.1:<port>   cosgate's functions
//   COS_HOST       127.0.0.1:<port>          the COS emulator
//   BUCKET, REGION                           the emulated bucket
//   TOKEN                                    a JWT for uid u1 (the Node SDK's caller)
//
// The mini-program steps sign in first, with README.md's wx.login block on
// the stub wx (codes dev-u1.<n>; the stack runs with LOGIN_UID=openid, so
// the uid is u1), and use the token /login gave.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const { FUNCTIONS_URL, COS_HOST, BUCKET, REGION, TOKEN } = process.env;
if (!FUNCTIONS_URL || !COS_HOST || !BUCKET || !REGION || !TOKEN) {
  console.error('set FUNCTIONS_URL, COS_HOST, BUCKET, REGION and TOKEN');
  process.exit(2);
}

let failed = false;
function report(name, ok, detail) {
  console.log((ok ? 'ok ' : 'FAIL ') + name + (ok ? '' : ': ' + detail));
  if (!ok) failed = true;
}

// expectStatus runs an SDK call (callback style) and checks the outcome:
// a status code, and for errors COS's code.
function call(fn, params) {
  return new Promise((resolve) => fn(params, (err, data) => resolve({ err, data })));
}

function statusOf(r) {
  if (r.err) return r.err.statusCode;
  return r.data && r.data.statusCode;
}

function codeOf(r) {
  return r.err && (r.err.code || (r.err.error && r.err.error.Code));
}

// credentialsFrom maps a /sts answer to what getAuthorization's callback
// takes, as README.md documents. StartTime is the server's clock, so a
// wrong device clock does not matter.
function credentialsFrom(data, scopeLimit) {
  return {
    TmpSecretId: data.credentials.tmpSecretId,
    TmpSecretKey: data.credentials.tmpSecretKey,
    SecurityToken: data.credentials.sessionToken,
    StartTime: data.startTime,
    ExpiredTime: data.expiredTime,
    ScopeLimit: scopeLimit,
  };
}

// ---------------------------------------------------------------------------
// cos-nodejs-sdk-v5: getAuthorization calls /sts with fetch.

async function nodeSDK() {
  const COS = require('cos-nodejs-sdk-v5');
  let stsCalls = 0;
  const cos = new COS({
    Domain: COS_HOST,
    Protocol: 'http:',
    getAuthorization(options, callback) {
      stsCalls++;
      fetch(FUNCTIONS_URL + '/sts', { method: 'POST', headers: { Authorization: 'Bearer ' + TOKEN } })
        .then((res) => res.json().then((data) => ({ res, data })))
        .then(({ res, data }) => {
          if (res.status !== 200 || !data.credentials) {
            throw new Error('sts refused: ' + res.status + ' ' + JSON.stringify(data));
          }
          callback(credentialsFrom(data, false));
        })
        .catch((e) => callback({ error: e.message }));
    },
  });
  const base = { Bucket: BUCKET, Region: REGION };
  const text = 'hello from cos-nodejs-sdk-v5';

  let r = await call(cos.putObject.bind(cos), { ...base, Key: 'uploads/u1/node.txt', Body: text, ContentType: 'text/plain' });
  report('node putObject under the prefix', statusOf(r) === 200, JSON.stringify(r.err));

  r = await call(cos.getObject.bind(cos), { ...base, Key: 'uploads/u1/node.txt' });
  report('node getObject', statusOf(r) === 200 && r.data.Body.toString() === text, JSON.stringify(r.err || r.data.Body.toString()));

  r = await call(cos.putObject.bind(cos), { ...base, Key: 'uploads/u2/node.txt', Body: 'x' });
  report('node putObject outside the prefix is refused', statusOf(r) === 403 && codeOf(r) === 'AccessDenied', JSON.stringify(r.err || r.data));

  // A pre-signed URL: the SDK appends the token unescaped after the q-* fields.
  r = await call(cos.getObjectUrl.bind(cos), { ...base, Key: 'uploads/u1/node.txt', Sign: true });
  let ok = false, detail = JSON.stringify(r.err);
  if (!r.err) {
    const res = await fetch(r.data.Url);
    const body = await res.text();
    ok = res.status === 200 && body === text;
    detail = res.status + ' ' + body.slice(0, 200);
  }
  report('node getObjectUrl', ok, detail);

  // Multipart: ListMultipartUploads, Initiate, UploadPart ×3, Complete.
  const big = Buffer.alloc(2 * 1024 * 1024 + 4321, 7);
  const file = path.join(os.tmpdir(), 'cosgate-js-' + process.pid + '.bin');
  fs.writeFileSync(file, big);
  r = await call(cos.sliceUploadFile.bind(cos), { ...base, Key: 'uploads/u1/big.bin', FilePath: file, ChunkSize: 1024 * 1024 });
  report('node sliceUploadFile', statusOf(r) === 200 && /-3"$/.test(r.data.ETag || ''), JSON.stringify(r.err || r.data));
  r = await call(cos.getObject.bind(cos), { ...base, Key: 'uploads/u1/big.bin' });
  report('node multipart object reads back', statusOf(r) === 200 && Buffer.compare(r.data.Body, big) === 0, JSON.stringify(r.err));
  fs.unlinkSync(file);

  report('node getAuthorization called /sts', stsCalls >= 1, 'never called');
}

// ---------------------------------------------------------------------------
// cos-wx-sdk-v5 with a stub wx: wx.request and wx.uploadFile become real
// HTTP requests (fetch), the file system is the local disk.

function installWx() {
  global.window = global;
  const task = () => ({ abort() {}, onProgressUpdate() {}, onHeadersReceived() {}, offProgressUpdate() {} });
  const headersOf = (res) => {
    const h = {};
    res.headers.forEach((v, k) => { h[k] = v; });
    return h;
  };
  global.wx = {
    canIUse: () => false,
    getFileSystemManager: () => ({
      readFileSync(p) {
        const buf = fs.readFileSync(p);
        return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
      },
      stat({ path: p, success, fail }) {
        fs.stat(p, (err, stats) => (err ? fail && fail({ errMsg: err.message }) : success({ stats })));
      },
      readFile({ filePath, position, length, success, fail }) {
        fs.readFile(filePath, (err, buf) => {
          if (err) return fail && fail({ errMsg: err.message });
          if (position !== undefined) buf = buf.subarray(position, position + length);
          success({ data: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) });
        });
      },
    }),
    // Storage as wx keeps it: values survive as they were set.
    storage: new Map(),
    getStorageSync(k) { return wx.storage.has(k) ? structuredClone(wx.storage.get(k)) : ''; },
    setStorageSync(k, v) { wx.storage.set(k, structuredClone(v)); },
    removeStorageSync(k) { wx.storage.delete(k); },
    // wx.login gives a fresh code each call; the WeChat emulator's dev codes
    // for openid u1.
    logins: 0,
    login({ success }) { wx.logins++; setTimeout(() => success({ code: 'dev-u1.' + wx.logins, errMsg: 'login:ok' })); },
    loginCalls: 0,
    getNetworkType({ success } = {}) { success && success({ networkType: 'wifi' }); },
    sts: { calls: 0 },
    request(p) {
      const headers = { ...(p.header || {}) };
      const isSTS = p.url.endsWith('/sts');
      if (isSTS) wx.sts.calls++;
      if (p.url.endsWith('/login')) wx.loginCalls++;
      let body = p.data;
      if (body !== undefined && typeof body === 'object' && !(body instanceof ArrayBuffer) && !ArrayBuffer.isView(body)) {
        body = JSON.stringify(body);
        headers['content-type'] = headers['content-type'] || 'application/json';
      }
      const method = (p.method || 'GET').toUpperCase();
      let url = p.url;
      if ((method === 'GET' || method === 'HEAD') && p.data && typeof p.data === 'object') {
        // wx.request turns a GET's data into the query string.
        url += (url.includes('?') ? '&' : '?') + new URLSearchParams(p.data).toString();
      }
      fetch(url, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body, redirect: 'manual' })
        .then(async (res) => {
          let data = p.responseType === 'arraybuffer' ? await res.arrayBuffer() : await res.text();
          if ((p.dataType || 'json') === 'json') {
            try { data = JSON.parse(data); } catch (e) { /* wx leaves text that is not JSON */ }
          }
          if (isSTS && res.status !== 200) wx.sts.refused = res.status + ' ' + (data.error && data.error.code);
          p.success && p.success({ statusCode: res.status, header: headersOf(res), data });
        })
        .catch((e) => p.fail && p.fail({ errMsg: 'request:fail ' + e.message }));
      return task();
    },
    uploadFile(p) {
      const form = new FormData();
      for (const [k, v] of Object.entries(p.formData || {})) form.append(k, String(v));
      const buf = fs.readFileSync(p.filePath);
      form.append(p.name, new Blob([buf]), path.basename(p.filePath));
      const headers = { ...(p.header || {}) };
      for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-type') delete headers[k];
      fetch(p.url, { method: 'POST', headers, body: form })
        .then(async (res) => p.success && p.success({ statusCode: res.status, header: headersOf(res), data: await res.text() }))
        .catch((e) => p.fail && p.fail({ errMsg: 'uploadFile:fail ' + e.message }));
      return task();
    },
  };
}

const snippets = require('./snippet.js');
const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

// makeWxCOS runs README.md's mini-program snippet, with three edits: the
// SDK comes from npm, the API is the stack's, and Domain points at the COS
// emulator (cos-wx-sdk-v5 ignores Protocol; the scheme goes there). With
// scoped, it takes the snippet's own alternative: ask /sts for just the
// request's scope, with ScopeLimit.
function makeWxCOS(scoped) {
  const { edit } = snippets;
  let code = snippets.snippet(readme, 'wx-getauthorization');
  code = edit(code, "require('./lib/cos-wx-sdk-v5.js')", "require('cos-wx-sdk-v5')");
  code = edit(code, 'https://api.example.com', FUNCTIONS_URL);
  code = edit(code, 'new COS({', "new COS({ Domain: 'http://' + COS_HOST,");
  if (scoped) code = snippets.scoped(code, 'data: {},', 'data: { scope: options.Scope },');
  const getApp = () => ({ globalData: { token: WX_TOKEN } });
  return new Function('require', 'wx', 'getApp', 'COS_HOST', code + '\nreturn cos;')(require, wx, getApp, COS_HOST);
}

// WX_TOKEN is the token README.md's wx.login block got from /login.
let WX_TOKEN = '';

async function wxLogin() {
  const code = snippets.edit(snippets.snippet(readme, 'wx-login'), 'https://api.example.com', FUNCTIONS_URL);
  const { signIn, getToken } = new Function('wx', code + '\nreturn { signIn, getToken };')(wx);
  const first = await getToken();
  report('README wx.login block signs in', first.split('.').length === 3 && wx.loginCalls === 1, wx.loginCalls + ' ' + first);
  const again = await getToken();
  report('README wx.login block keeps the token', again === first && wx.loginCalls === 1, wx.loginCalls + ' calls');
  const kept = wx.getStorageSync('cosgate');
  report('login answers the uid and expiresAt', kept.uid === 'u1' && kept.expiresAt > Date.now() / 1000 + 3600, JSON.stringify(kept));
  kept.expiresAt = Math.floor(Date.now() / 1000) + 30;
  wx.setStorageSync('cosgate', kept);
  WX_TOKEN = await getToken();
  report('README wx.login block signs in again near expiry', wx.loginCalls === 2 && !!WX_TOKEN, wx.loginCalls + ' calls');
  // A code WeChat has seen already: the block rejects with /login's error.
  const login = wx.login;
  wx.login = ({ success }) => success({ code: 'dev-u1.1' });
  let refused;
  await signIn().catch((e) => { refused = e; });
  wx.login = login;
  report('README wx.login block reports a reused code', !!refused && refused.code === 'LoginCodeUsed', JSON.stringify(refused));
}

async function wxSDK() {
  const counter = wx.sts;
  const scoped = makeWxCOS(true);
  const plain = makeWxCOS(false);
  const base = { Bucket: BUCKET, Region: REGION };
  const file = path.join(os.tmpdir(), 'cosgate-wx-' + process.pid + '.jpg');
  fs.writeFileSync(file, Buffer.from('not really a jpeg, but bytes'));
  const bytes = new TextEncoder().encode('bytes from wx.request').buffer;

  let r = await call(scoped.postObject.bind(scoped), { ...base, Key: 'uploads/u1/wx-post.jpg', FilePath: file });
  report('wx postObject (wx.uploadFile) under the prefix', statusOf(r) === 200, JSON.stringify(r.err));

  r = await call(scoped.putObject.bind(scoped), { ...base, Key: 'uploads/u1/wx-put.txt', Body: bytes });
  report('wx putObject (wx.request) under the prefix', statusOf(r) === 200, JSON.stringify(r.err));

  // Asking /sts for another caller's prefix is refused there...
  r = await call(scoped.putObject.bind(scoped), { ...base, Key: 'uploads/u2/wx-put.txt', Body: bytes });
  // (The SDK replaces the callback's error with its own message, so the
  // refusal is read from what getAuthorization saw.)
  report('wx scope outside the prefix is refused by /sts', !!r.err && /^403 /.test(counter.refused || ''), (counter.refused || 'no refusal') + ' ' + JSON.stringify(r.err || r.data));

  // ...and a key for the caller's own prefix is refused by COS elsewhere.
  r = await call(plain.postObject.bind(plain), { ...base, Key: 'uploads/u2/wx-post.jpg', FilePath: file });
  report('wx postObject outside the prefix is refused', statusOf(r) === 403, JSON.stringify(r.err || r.data));

  r = await call(plain.putObject.bind(plain), { ...base, Key: 'uploads/u2/wx-put.txt', Body: bytes });
  report('wx putObject outside the prefix is refused', statusOf(r) === 403 && codeOf(r) === 'AccessDenied', JSON.stringify(r.err || r.data));

  // uploadFile of a 3 MB file: above 1 MB the SDK goes multipart (and lists
  // unfinished uploads to resume), which the default grant allows.
  const big = path.join(os.tmpdir(), 'cosgate-wx-big-' + process.pid + '.bin');
  const bigBytes = Buffer.alloc(3 * 1024 * 1024 + 123);
  for (let i = 0; i < bigBytes.length; i++) bigBytes[i] = (i * 31 + 7) & 0xff;
  fs.writeFileSync(big, bigBytes);
  r = await call(plain.uploadFile.bind(plain), { ...base, Key: 'uploads/u1/wx-big.bin', FilePath: big, SliceSize: 1024 * 1024 });
  report('wx uploadFile of 3 MB (multipart)', statusOf(r) === 200 && !r.err, JSON.stringify(r.err || r.data));

  fs.unlinkSync(file);
  fs.unlinkSync(big);
  report('wx getAuthorization called /sts', counter.calls >= 3, 'called ' + counter.calls + ' times');
}

// README.md's /sign block for the mini program (sign-wx), with makeWxCOS's
// edits: a signature per request, never a key. cos-wx-sdk-v5 leaves
// Content-Type out of what it signs; /sign accepts that (README says so).
async function wxSign() {
  const { edit } = snippets;
  let code = snippets.snippet(readme, 'sign-wx');
  code = edit(code, "require('./lib/cos-wx-sdk-v5.js')", "require('cos-wx-sdk-v5')");
  code = edit(code, 'https://api.example.com', FUNCTIONS_URL);
  code = edit(code, 'new COS({', "new COS({ Domain: 'http://' + COS_HOST,");
  const getApp = () => ({ globalData: { token: WX_TOKEN } });
  const logged = [];
  const cons = { error: (...a) => logged.push(a.map((x) => (typeof x === 'object' ? JSON.stringify(x) : x)).join(' ')), log() {} };
  const cos = new Function('require', 'wx', 'getApp', 'COS_HOST', 'console', code + '\nreturn cos;')(
    require, wx, getApp, COS_HOST, cons);
  const base = { Bucket: BUCKET, Region: REGION };
  const bytes = new TextEncoder().encode('bytes signed by /sign').buffer;
  const small = path.join(os.tmpdir(), 'cosgate-wx-sign-small-' + process.pid + '.txt');
  fs.writeFileSync(small, 'a small file: uploadFile takes putObject');
  let r = await call(cos.uploadFile.bind(cos), { ...base, Key: 'uploads/u1/wx-sign-small.txt', FilePath: small });
  report('README sign-wx block: uploadFile of a small file', statusOf(r) === 200 && !r.err, JSON.stringify(logged) + ' ' + JSON.stringify(r.err));
  fs.unlinkSync(small);
  r = await call(cos.putObject.bind(cos), { ...base, Key: 'uploads/u1/wx-sign.txt', Body: bytes });
  report('README sign-wx block: putObject under the prefix', statusOf(r) === 200, JSON.stringify(r.err));
  const big = path.join(os.tmpdir(), 'cosgate-wx-sign-' + process.pid + '.jpg');
  const bigBytes = Buffer.alloc(3 * 1024 * 1024 + 321);
  for (let i = 0; i < bigBytes.length; i++) bigBytes[i] = (i * 13 + 5) & 0xff;
  fs.writeFileSync(big, bigBytes);
  r = await call(cos.sliceUploadFile.bind(cos), { ...base, Key: 'uploads/u1/wx-sign-big.jpg', FilePath: big, ChunkSize: 1024 * 1024 });
  report('README sign-wx block: sliceUploadFile of 3 MB (multipart)', statusOf(r) === 200 && !r.err,
    JSON.stringify(logged) + ' ' + JSON.stringify(r.err || r.data));
  fs.unlinkSync(big);
  r = await call(cos.putObject.bind(cos), { ...base, Key: 'uploads/u2/wx-sign.txt', Body: bytes });
  report('README sign-wx block: outside the prefix is refused by /sign', !!r.err && logged.some((l) => /sign refused 403/.test(l)),
    JSON.stringify(logged) + ' ' + JSON.stringify(r.err || r.data));
}

// ---------------------------------------------------------------------------
// README.md's mini-program upload and download blocks, run as written (the
// API address is the one edit) on the stub wx: wx.chooseMedia picks a local
// file, wx.downloadFile and wx.saveImageToPhotosAlbum keep what they got.

// runSnippet runs a README block and resolves with what it logged, once it
// logs or saves a photo (or after 10 s).
function runSnippet(name, vars) {
  return new Promise((resolve) => {
    const out = [];
    const done = () => resolve(out);
    const cons = {
      log: (...a) => { out.push(a.join(' ')); done(); },
      error: (...a) => { out.push('error ' + JSON.stringify(a)); done(); },
    };
    wx.saveImageToPhotosAlbum = ({ filePath }) => { out.push({ saved: fs.readFileSync(filePath) }); done(); };
    setTimeout(done, 10000);
    const code = snippets.edit(snippets.snippet(readme, name), 'https://api.example.com', FUNCTIONS_URL);
    new Function('wx', 'console', 'token', 'key', code)(wx, cons, WX_TOKEN, vars && vars.key);
  });
}

async function readmeWxFlows() {
  const photo = Buffer.from('the bytes of a photo chosen in the mini program');
  const file = path.join(os.tmpdir(), 'cosgate-readme-' + process.pid + '.jpg');
  fs.writeFileSync(file, photo);
  wx.chooseMedia = ({ success }) => success({ tempFiles: [{ tempFilePath: file, size: photo.length }] });
  wx.downloadFile = ({ url, success, fail }) => {
    fetch(url)
      .then(async (res) => {
        const p = path.join(os.tmpdir(), 'cosgate-download-' + process.pid + '-' + Date.now());
        fs.writeFileSync(p, Buffer.from(await res.arrayBuffer()));
        success({ statusCode: res.status, tempFilePath: p });
      })
      .catch((e) => fail && fail({ errMsg: 'downloadFile:fail ' + e.message }));
  };

  let out = await runSnippet('wx-put');
  const put = /^uploaded (uploads\/u1\/\S+\.jpg)$/.exec(out[0] || '');
  report('README mini-program PUT block uploads', !!put, JSON.stringify(out));

  out = await runSnippet('wx-post');
  report('README mini-program POST block uploads', /^uploaded uploads\/u1\/\S+\.jpg$/.test(out[0] || ''), JSON.stringify(out));

  out = await runSnippet('wx-download', { key: put && put[1] });
  const saved = out[0] && out[0].saved;
  report('README mini-program download block saves the same bytes', !!saved && saved.equals(photo), JSON.stringify(out));
  fs.unlinkSync(file);
}

(async () => {
  try {
    await nodeSDK();
    installWx();
    await wxLogin();
    await wxSDK();
    await wxSign();
    await readmeWxFlows();
  } catch (e) {
    report('driver', false, e && e.stack);
  }
  process.exit(failed ? 1 : 0);
})();
