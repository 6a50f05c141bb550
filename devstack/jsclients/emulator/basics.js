// cos-nodejs-sdk-v5's everyday object calls against the COS emulator:
// chunked streams, the default Content-Type, virtual-hosted addressing and
// other buckets, literal keys, and x-cos-traffic-limit with pause and
// resume. Steps are named "basics …".
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { Readable } = require('stream');

module.exports = async function basics(ctx) {
  const { report, call, statusOf, codeOf, base, env } = ctx;
  const cos = ctx.rootClient();

  // A stream without ContentLength goes out chunked (no Content-Length).
  const text = 'chunked '.repeat(20000);
  let r = await call(cos, 'putObject', { ...base, Key: 'basics/chunked.bin', Body: Readable.from([text.slice(0, 70000), text.slice(70000)]) });
  let ok = statusOf(r) === 200;
  if (ok) {
    const g = await call(cos, 'getObject', { ...base, Key: 'basics/chunked.bin' });
    ok = statusOf(g) === 200 && g.data.Body.toString() === text;
  }
  report('basics putObject of a stream without ContentLength (chunked)', ok, JSON.stringify(r.err));

  // A string body goes out without Content-Type: the emulator's table.
  r = await call(cos, 'putObject', { ...base, Key: 'basics/plain.txt', Body: 'hello' });
  const h = await call(cos, 'headObject', { ...base, Key: 'basics/plain.txt' });
  report('basics an upload without Content-Type reads back as text/plain', statusOf(r) === 200 && statusOf(h) === 200 &&
    h.data.headers['content-type'] === 'text/plain', JSON.stringify(h.err || h.data.headers));

  // Virtual-hosted, as against COS: the SDK's default Domain
  // ({Bucket}.cos.{Region}.myqcloud.com), connected to the emulator by Ip.
  const hosted = ctx.rootClient({ Domain: '', Ip: env.COS_HOST });
  r = await call(hosted, 'headBucket', base);
  report('basics headBucket virtual-hosted', statusOf(r) === 200, JSON.stringify(r.err));
  r = await call(hosted, 'putObject', { ...base, Key: 'basics/hosted.txt', Body: 'hosted' });
  report('basics putObject virtual-hosted', statusOf(r) === 200, JSON.stringify(r.err));
  const missing = { Bucket: 'missing-' + env.BUCKET.split('-').pop(), Region: env.REGION };
  r = await call(hosted, 'headBucket', missing);
  report('basics headBucket of another bucket is 404', statusOf(r) === 404, JSON.stringify(r.err || r.data));
  r = await call(hosted, 'deleteObject', { ...missing, Key: 'basics/hosted.txt' });
  // The SDK answers any 404 on deleteObject as {BucketNotFound: true}; a
  // missing key in the emulated bucket is 204, so only the bucket is 404.
  report('basics deleteObject in another bucket is NoSuchBucket', statusOf(r) === 404 && !r.err && r.data.BucketNotFound === true,
    JSON.stringify(r.err || r.data));
  r = await call(hosted, 'putObject', { ...missing, Key: 'basics/elsewhere.txt', Body: 'x' });
  report('basics putObject in another bucket is NoSuchBucket', codeOf(r) === 'NoSuchBucket', JSON.stringify(r.err || r.data));

  // Keys are names, not paths: "..", "." and "//" are kept.
  const literal = 'basics/a/.././/b';
  r = await call(cos, 'putObject', { ...base, Key: literal, Body: 'literal' });
  const g = await call(cos, 'getObject', { ...base, Key: literal });
  report('basics a key with .. and // is stored by its name', statusOf(r) === 200 && statusOf(g) === 200 &&
    g.data.Body.toString() === 'literal', JSON.stringify(r.err || g.err));
  r = await call(cos, 'putObject', { ...base, Key: '//abc/.//def//../../', Body: 'x' });
  report('basics a key beginning with / is InvalidObjectName', statusOf(r) === 400 && codeOf(r) === 'InvalidObjectName',
    JSON.stringify(r.err || r.data));
  r = await call(cos, 'getObject', { ...base, Key: 'basics/..' });
  report('basics the SDK refuses a GET whose key resolves to /', !!r.err && /Getobject Key is illegal/.test(String(r.err.message || r.err.error)),
    JSON.stringify(r.err || r.data));

  // x-cos-traffic-limit: 819200 bit/s (100 KiB/s) paces a 150 KiB GET.
  const body = Buffer.alloc(150 * 1024, 5);
  await call(cos, 'putObject', { ...base, Key: 'basics/slow.bin', Body: body });
  let begin = Date.now();
  r = await call(cos, 'getObject', { ...base, Key: 'basics/slow.bin', Headers: { 'x-cos-traffic-limit': '819200' } });
  let took = Date.now() - begin;
  report('basics getObject with x-cos-traffic-limit is paced', statusOf(r) === 200 && took >= 1300 &&
    Buffer.compare(r.data.Body, body) === 0, took + ' ms ' + JSON.stringify(r.err));
  r = await call(cos, 'getObject', { ...base, Key: 'basics/slow.bin', Headers: { 'x-cos-traffic-limit': '100' } });
  report('basics a traffic limit under 819200 is InvalidArgument', statusOf(r) === 400 && codeOf(r) === 'InvalidArgument',
    JSON.stringify(r.err || r.data));

  // Pause and resume: uploadFile of 3 MiB in 1 MiB parts at 8 Mbit/s
  // (about a second a part), paused after its first part and restarted.
  const big = Buffer.alloc(3 * 1024 * 1024 + 77);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  const file = path.join(os.tmpdir(), 'cosgate-emu-' + process.pid + '.bin');
  fs.writeFileSync(file, big);
  const slow = ctx.rootClient();
  let taskId, paused = false, resumedAt = 0;
  const done = new Promise((resolve) => {
    slow.uploadFile({
      ...base, Key: 'basics/resumed.bin', FilePath: file, SliceSize: 1024 * 1024, ChunkSize: 1024 * 1024,
      Headers: { 'x-cos-traffic-limit': String(8 * 1024 * 1024) },
      onTaskReady(id) { taskId = id; },
      onProgress(p) {
        if (!paused && p.loaded >= 1024 * 1024) {
          paused = true;
          slow.pauseTask(taskId);
          setTimeout(() => { resumedAt = Date.now(); slow.restartTask(taskId); }, 1500);
        }
      },
    }, (err, data) => { if (!err) resolve({ err, data }); else if (!paused || resumedAt) resolve({ err, data }); });
  });
  r = await done;
  ok = statusOf(r) === 200 && paused && resumedAt > 0;
  if (ok) {
    const back = await call(cos, 'getObject', { ...base, Key: 'basics/resumed.bin' });
    ok = statusOf(back) === 200 && Buffer.compare(back.data.Body, big) === 0;
  }
  report('basics uploadFile paused and resumed under a traffic limit', ok,
    'paused=' + paused + ' resumed=' + resumedAt + ' ' + JSON.stringify(r.err));
  fs.unlinkSync(file);
};
