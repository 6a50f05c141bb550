// Drives the stock cos-nodejs-sdk-v5, unchanged, with a getAuthorization
// that POSTs the options it receives to cosgate's /sign
// (JSON.stringify(options), Bearer token) and hands the answer to the
// callback as it is: a signature per request, never a key. The Go test
// (devstack/e2e/sign_test.go) starts the stack (UPLOAD_MAX_BYTES 13 MiB),
// seeds uploads/u2/secret.txt, runs this and checks that every step printed
// "ok" and what is, and is not, in the COS emulator. Steps are named
// "sign …". Each request /sign admitted or refused is printed as
// "signed <action> <status> <header names>", without values.
//
//   FUNCTIONS_URL  http://127.0.0.1:<port>   cosgate's functions (/sign)
//   COS_HOST       127.0.0.1:<port>          the COS emulator
//   BUCKET, REGION                           the emulated bucket
//   TOKEN, TOKEN2                            JWTs for uids u1 and u2
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const COS = require('cos-nodejs-sdk-v5');

const { FUNCTIONS_URL, COS_HOST, BUCKET, REGION, TOKEN, TOKEN2 } = process.env;
if (!FUNCTIONS_URL || !COS_HOST || !BUCKET || !REGION || !TOKEN || !TOKEN2) {
  console.error('set FUNCTIONS_URL, COS_HOST, BUCKET, REGION, TOKEN and TOKEN2');
  process.exit(2);
}

const MiB = 1024 * 1024;
const base = { Bucket: BUCKET, Region: REGION };
const { report, call, statusOf, failed } = require('./steps.js');

function show(r) {
  return JSON.stringify(r.err || r.data).slice(0, 400);
}

function bytes(n, seed) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * seed + 7) & 0xff;
  return b;
}

// signClient is the stock SDK with a getAuthorization that asks /sign for
// each request's signature as token's caller. It counts the calls, and
// keeps /sign's refusals so a step can tell a refusal by /sign from one
// by COS.
function signClient(token, extra) {
  const state = { calls: 0, refusals: [] };
  const cos = new COS({
    Domain: COS_HOST,
    Protocol: 'http:',
    ...extra,
    getAuthorization(options, callback) {
      state.calls++;
      fetch(FUNCTIONS_URL + '/sign', {
        method: 'POST',
        headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
        body: JSON.stringify(options),
      })
        .then((res) => res.json().then((data) => ({ res, data }), () => ({ res, data: {} })))
        .then(({ res, data }) => {
          console.log('signed ' + options.Method + ' ' + Object.keys(options.Query || {}).sort().join('&') + ' ' +
            res.status + ' [' + Object.keys(options.Headers || {}).map((h) => h.toLowerCase()).sort().join(' ') + ']');
          if (res.status !== 200 || !data.Authorization) {
            state.refusals.push({ key: options.Key, status: res.status, code: data.code || data.error || '' });
            throw new Error('sign refused: ' + res.status + ' ' + JSON.stringify(data).slice(0, 300));
          }
          callback(data); // {Authorization, SecurityToken, XCosSecurityToken, StartTime, ExpiredTime}, as it is
        })
        .catch((e) => callback({ error: e.message }));
    },
  });
  return { cos, state };
}

// refusedBySign: the call failed, and /sign refused a request for key.
function refusedBySign(r, state, key, before) {
  return !!r.err && state.refusals.slice(before).some((x) => x.key === key && x.status >= 400);
}

(async () => {
  const u1 = signClient(TOKEN);
  const u2 = signClient(TOKEN2);
  const cos = u1.cos;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cosgate-sign-'));
  try {
    // A single upload, read back, headed.
    const text = Buffer.from('signed by /sign for this one request: 签名 ✓\n');
    let r = await call(cos, 'putObject', { ...base, Key: 'uploads/u1/sign.txt', Body: text, ContentType: 'text/plain' });
    report('sign putObject under the prefix', statusOf(r) === 200, show(r));
    r = await call(cos, 'getObject', { ...base, Key: 'uploads/u1/sign.txt' });
    report('sign getObject', statusOf(r) === 200 && Buffer.compare(r.data.Body, text) === 0, show(r));
    r = await call(cos, 'headObject', { ...base, Key: 'uploads/u1/sign.txt' });
    report('sign headObject', statusOf(r) === 200 && Number(r.data.headers['content-length']) === text.length &&
      /^text\/plain/.test(r.data.headers['content-type']), show(r));

    // README.md's Node block, as written but for the API address: it makes
    // `cos`, and its putObject goes through /sign.
    {
      const snippets = require('./snippet.js');
      const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
      const code = snippets.edit(snippets.snippet(readme, 'sign-node'), 'https://api.example.com', FUNCTIONS_URL);
      const made = new Function('require', 'token', code + '\nreturn cos;')(require, TOKEN);
      Object.assign(made.options, { Domain: COS_HOST, Protocol: 'http:' }); // the emulator, not COS
      const body = Buffer.from('from the README block');
      const pr = await call(made, 'putObject', { ...base, Key: 'uploads/u1/readme.txt', Body: body, ContentType: 'text/plain' });
      const gr = await call(made, 'getObject', { ...base, Key: 'uploads/u1/readme.txt' });
      report('sign README sign-node block uploads and reads', statusOf(pr) === 200 && statusOf(gr) === 200 &&
        Buffer.compare(gr.data.Body, body) === 0, show(pr.err ? pr : gr));
      const rr = await call(made, 'putObject', { ...base, Key: 'uploads/u2/readme.txt', Body: body, ContentType: 'text/plain' });
      report('sign README sign-node block passes on a refusal', !!rr.err, show(rr));
    }

    // 12 MiB in 1 MiB parts, with the type the key's extension allows.
    const big = bytes(12 * MiB + 333, 29);
    const bigFile = path.join(tmp, 'big.jpg');
    fs.writeFileSync(bigFile, big);
    r = await call(cos, 'sliceUploadFile', { ...base, Key: 'uploads/u1/big.jpg', FilePath: bigFile, ContentType: 'image/jpeg', ChunkSize: MiB });
    report('sign sliceUploadFile of 12 MB (multipart)', statusOf(r) === 200 && !r.err, show(r));
    r = await call(cos, 'getObject', { ...base, Key: 'uploads/u1/big.jpg' });
    report('sign the 12 MB upload reads back byte-equal', statusOf(r) === 200 && Buffer.compare(r.data.Body, big) === 0,
      statusOf(r) + ' ' + (r.data && r.data.Body ? r.data.Body.length : 0) + ' bytes');

    // Pause and resume: 4 MiB in 1 MiB parts at 8 Mbit/s (about a second a
    // part), paused after the first part and restarted.
    const resumed = bytes(4 * MiB + 77, 31);
    const resumedFile = path.join(tmp, 'resumed.png');
    fs.writeFileSync(resumedFile, resumed);
    let taskId, paused = false, resumedAt = 0;
    r = await new Promise((resolve) => {
      cos.uploadFile({
        ...base, Key: 'uploads/u1/resumed.png', FilePath: resumedFile, ContentType: 'image/png', SliceSize: MiB, ChunkSize: MiB,
        Headers: { 'x-cos-traffic-limit': String(8 * MiB) },
        onTaskReady(id) { taskId = id; },
        onProgress(p) {
          if (!paused && p.loaded >= MiB) {
            paused = true;
            cos.pauseTask(taskId);
            setTimeout(() => { resumedAt = Date.now(); cos.restartTask(taskId); }, 1500);
          }
        },
      }, (err, data) => { if (!err || !paused || resumedAt) resolve({ err, data }); });
    });
    let ok = statusOf(r) === 200 && !r.err && paused && resumedAt > 0;
    if (ok) {
      const back = await call(cos, 'getObject', { ...base, Key: 'uploads/u1/resumed.png' });
      ok = statusOf(back) === 200 && Buffer.compare(back.data.Body, resumed) === 0;
    }
    report('sign uploadFile paused and resumed reads back byte-equal', ok, 'paused=' + paused + ' resumed=' + resumedAt + ' ' + show(r));

    // A copy within the caller's own prefix.
    const host = BUCKET + '.cos.' + REGION + '.myqcloud.com/';
    r = await call(cos, 'putObjectCopy', { ...base, Key: 'uploads/u1/copy-ok.txt', CopySource: host + 'uploads/u1/sign.txt' });
    report('sign putObjectCopy within the prefix', statusOf(r) === 200 && !r.err, show(r));

    // Refused, by /sign, and nothing stored.
    let n = u1.state.refusals.length;
    r = await call(cos, 'putObject', { ...base, Key: 'uploads/u2/sign.txt', Body: text, ContentType: 'text/plain' });
    report('sign putObject outside the prefix is refused', refusedBySign(r, u1.state, 'uploads/u2/sign.txt', n), show(r));

    n = u1.state.refusals.length;
    r = await call(cos, 'putObject', { ...base, Key: 'uploads/u1/public.txt', Body: text, ContentType: 'text/plain', ACL: 'public-read' });
    report('sign putObject with ACL public-read is refused', refusedBySign(r, u1.state, 'uploads/u1/public.txt', n), show(r));

    n = u1.state.refusals.length;
    r = await call(cos, 'putObject', { ...base, Key: 'uploads/u1/grant.txt', Body: text, ContentType: 'text/plain', GrantRead: 'id="100000000001"' });
    report('sign putObject with x-cos-grant-read is refused', refusedBySign(r, u1.state, 'uploads/u1/grant.txt', n), show(r));

    n = u1.state.refusals.length;
    r = await call(cos, 'putObject', { ...base, Key: 'uploads/u1/wrong.jpg', Body: text, ContentType: 'text/plain' });
    report('sign putObject with another Content-Type than the extension\'s is refused',
      refusedBySign(r, u1.state, 'uploads/u1/wrong.jpg', n), show(r));

    n = u2.state.refusals.length;
    r = await call(u2.cos, 'getObject', { ...base, Key: 'uploads/u1/sign.txt' });
    report('sign another caller\'s getObject of u1\'s key is refused', refusedBySign(r, u2.state, 'uploads/u1/sign.txt', n), show(r));

    n = u1.state.refusals.length;
    r = await call(cos, 'putObjectCopy', { ...base, Key: 'uploads/u1/copied.txt', CopySource: host + 'uploads/u2/secret.txt' });
    report('sign putObjectCopy from another caller\'s prefix is refused', refusedBySign(r, u1.state, 'uploads/u1/copied.txt', n), show(r));

    // Another caller's uploadId: u1 starts an upload, u2 tries its parts.
    const init = await call(cos, 'multipartInit', { ...base, Key: 'uploads/u1/owned.jpg', ContentType: 'image/jpeg' });
    const uploadId = init.data && init.data.UploadId;
    report('sign multipartInit under the prefix', statusOf(init) === 200 && !!uploadId, show(init));
    const part = bytes(256 * 1024, 3);
    for (const [method, key, what, extra] of [
      ['multipartUpload', 'uploads/u1/owned.jpg', 'uploadPart with u1\'s uploadId and key', { PartNumber: 1, Body: part }],
      ['multipartListPart', 'uploads/u1/owned.jpg', 'multipartListPart with u1\'s uploadId and key', {}],
      ['multipartUpload', 'uploads/u2/owned.jpg', 'uploadPart with u1\'s uploadId and its own key', { PartNumber: 1, Body: part }],
      ['multipartListPart', 'uploads/u2/owned.jpg', 'multipartListPart with u1\'s uploadId and its own key', {}],
      ['multipartComplete', 'uploads/u1/owned.jpg', 'multipartComplete of u1\'s upload', { Parts: [{ PartNumber: 1, ETag: '"x"' }] }],
    ]) {
      n = u2.state.refusals.length;
      r = await call(u2.cos, method, { ...base, Key: key, UploadId: uploadId, ...extra });
      report(`sign another caller's ${what} is refused`, refusedBySign(r, u2.state, key, n), show(r));
    }
    // u2 starts an upload of its own key, then sends a part of it with u1's
    // uploadId: /sign binds parts to (caller, key), so COS must refuse it.
    const own = await call(u2.cos, 'multipartInit', { ...base, Key: 'uploads/u2/owned.jpg', ContentType: 'image/jpeg' });
    r = await call(u2.cos, 'multipartUpload', { ...base, Key: 'uploads/u2/owned.jpg', UploadId: uploadId, PartNumber: 1, Body: part });
    report('sign u1\'s uploadId under u2\'s own started key fails (by /sign or by COS)',
      statusOf(own) === 200 && !!r.err, show(own) + ' ' + show(r));
    if (own.data && own.data.UploadId) {
      await call(u2.cos, 'multipartAbort', { ...base, Key: 'uploads/u2/owned.jpg', UploadId: own.data.UploadId });
    }
    r = await call(cos, 'multipartAbort', { ...base, Key: 'uploads/u1/owned.jpg', UploadId: uploadId });
    report('sign multipartAbort of its own upload', statusOf(r) === 204 || statusOf(r) === 200, show(r));

    // The running total per uploadId: 8 MiB then 6 MiB passes 13 MiB.
    const cap = await call(cos, 'multipartInit', { ...base, Key: 'uploads/u1/cap.jpg', ContentType: 'image/jpeg' });
    const capId = cap.data && cap.data.UploadId;
    const p1 = await call(cos, 'multipartUpload', { ...base, Key: 'uploads/u1/cap.jpg', UploadId: capId, PartNumber: 1, Body: bytes(8 * MiB, 5) });
    report('sign uploadPart within the size cap', statusOf(p1) === 200 && !p1.err, show(p1));
    n = u1.state.refusals.length;
    r = await call(cos, 'multipartUpload', { ...base, Key: 'uploads/u1/cap.jpg', UploadId: capId, PartNumber: 2, Body: bytes(6 * MiB, 7) });
    report('sign uploadPart past the size cap is refused', refusedBySign(r, u1.state, 'uploads/u1/cap.jpg', n), show(r));
    r = await call(cos, 'multipartComplete', { ...base, Key: 'uploads/u1/cap.jpg', UploadId: capId,
      Parts: [{ PartNumber: 1, ETag: p1.data && p1.data.ETag }] });
    report('sign multipartComplete of the parts within the cap', statusOf(r) === 200 && !r.err, show(r));

    // A single upload with an extension the deployment does not allow.
    n = u1.state.refusals.length;
    r = await call(cos, 'putObject', { ...base, Key: 'uploads/u1/tool.exe', Body: text, ContentType: 'application/octet-stream' });
    report('sign putObject of a disallowed extension is refused', refusedBySign(r, u1.state, 'uploads/u1/tool.exe', n), show(r));

    report('sign getAuthorization called /sign', u1.state.calls > 10 && u2.state.calls > 0,
      'u1 ' + u1.state.calls + ' calls, u2 ' + u2.state.calls);
    console.log('sign calls u1=' + u1.state.calls + ' u2=' + u2.state.calls);
  } catch (e) {
    report('sign ran to the end', false, e && e.stack);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  process.exit(failed() ? 1 : 0);
})();
