// Drives the official npm COS SDKs against cosgate's local stack: the
// functions for temporary keys, the COS emulator for storage. The Go test
// (devstack/e2e) starts the stack, runs this with its addresses, and checks
// that every step printed "ok".
//
//   FUNCTIONS_URL  http://127.0.0.1:<port>   cosgate's functions
//   COS_HOST       127.0.0.1:<port>          the COS emulator
//   BUCKET, REGION                           the emulated bucket
//   TOKEN                                    a JWT for uid u1
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
    getStorageSync: () => '',
    setStorageSync() {},
    removeStorageSync() {},
    getNetworkType({ success } = {}) { success && success({ networkType: 'wifi' }); },
    request(p) {
      const headers = { ...(p.header || {}) };
      let body = p.data;
      if (body !== undefined && typeof body === 'object' && !(body instanceof ArrayBuffer) && !ArrayBuffer.isView(body)) {
        body = JSON.stringify(body);
        headers['content-type'] = headers['content-type'] || 'application/json';
      }
      const method = (p.method || 'GET').toUpperCase();
      fetch(p.url, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body, redirect: 'manual' })
        .then(async (res) => {
          let data = p.responseType === 'arraybuffer' ? await res.arrayBuffer() : await res.text();
          if ((p.dataType || 'json') === 'json') {
            try { data = JSON.parse(data); } catch (e) { /* wx leaves text that is not JSON */ }
          }
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

// makeWxCOS builds a cos-wx-sdk-v5 client whose getAuthorization is the
// one README.md documents; with scoped, it asks /sts for just the
// request's scope (ScopeLimit), as the README's optional line does.
function makeWxCOS(COS, scoped, counter) {
  return new COS({
    Domain: 'http://' + COS_HOST, // cos-wx-sdk-v5 ignores Protocol; the scheme goes here
    getAuthorization(options, callback) {
      counter.calls++;
      wx.request({
        url: FUNCTIONS_URL + '/sts',
        method: 'POST',
        header: { Authorization: 'Bearer ' + TOKEN },
        data: scoped ? { scope: options.Scope } : undefined,
        success(res) {
          const data = res.data;
          if (res.statusCode !== 200 || !data.credentials) {
            counter.refused = res.statusCode + ' ' + (data.error && data.error.code);
            return callback({ error: 'sts refused ' + res.statusCode });
          }
          callback(credentialsFrom(data, scoped));
        },
      });
    },
  });
}

async function wxSDK() {
  installWx();
  const COS = require('cos-wx-sdk-v5');
  const counter = { calls: 0 };
  const scoped = makeWxCOS(COS, true, counter);
  const plain = makeWxCOS(COS, false, counter);
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

  fs.unlinkSync(file);
  report('wx getAuthorization called /sts', counter.calls >= 3, 'called ' + counter.calls + ' times');
}

(async () => {
  try {
    await nodeSDK();
    await wxSDK();
  } catch (e) {
    report('driver', false, e && e.stack);
  }
  process.exit(failed ? 1 : 0);
})();
