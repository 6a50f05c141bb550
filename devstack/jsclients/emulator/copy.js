// cos-nodejs-sdk-v5's copies against the COS emulator: PUT Object - Copy
// (putObjectCopy) with each metadata directive, Upload Part - Copy
// (uploadPartCopy, and sliceCopyFile, which copies in parts), COS's
// refusals, and /sts keys copying in and out of their own prefix
// (https://cloud.tencent.com/document/product/436/10881,
// https://cloud.tencent.com/document/product/436/8287). Steps are named
// "copy …"; the Go test (devstack/e2e/emulator_copy_test.go) also checks
// that the refused copies wrote nothing.
'use strict';

module.exports = async function copy(ctx) {
  const { report, call, statusOf, codeOf, base, env } = ctx;
  const cos = ctx.rootClient();
  // The source as COS names it: <Bucket-APPID>.cos.<Region>.myqcloud.com/<key>.
  const source = (key) => `${env.BUCKET}.cos.${env.REGION}.myqcloud.com/${encodeURIComponent(key).replace(/%2F/g, '/')}`;
  const detail = (r) => JSON.stringify(r.err || (r.data && { statusCode: r.data.statusCode, headers: r.data.headers }));
  const body = async (key) => {
    const g = await call(cos, 'getObject', { ...base, Key: key });
    return statusOf(g) === 200 ? g.data.Body : null;
  };

  await call(cos, 'putObject', {
    ...base, Key: 'copy/src.txt', Body: 'the source', ContentType: 'text/plain', CacheControl: 'no-cache', ACL: 'public-read',
    Headers: { 'x-cos-meta-owner': 'u 1' },
  });
  const src = await call(cos, 'headObject', { ...base, Key: 'copy/src.txt' });

  // Copy (the default): the source's metadata; the bucket's ACL.
  let r = await call(cos, 'putObjectCopy', { ...base, Key: 'copy/copied.bin', CopySource: source('copy/src.txt') });
  let h = await call(cos, 'headObject', { ...base, Key: 'copy/copied.bin' });
  report('copy putObjectCopy with Copy keeps the source metadata', statusOf(r) === 200 && statusOf(h) === 200 &&
    r.data.ETag === src.data.headers.etag && h.data.headers['content-type'] === 'text/plain' &&
    h.data.headers['cache-control'] === 'no-cache' && h.data.headers['x-cos-meta-owner'] === 'u 1', detail(r.err ? r : h));
  const [pub, priv] = await Promise.all([
    fetch(`http://${env.COS_HOST}/copy/src.txt`), fetch(`http://${env.COS_HOST}/copy/copied.bin`),
  ]);
  report("copy the copy gets the bucket's ACL, not the source's", pub.status === 200 && priv.status === 403,
    pub.status + ' ' + priv.status);

  // Replaced: this request's metadata.
  r = await call(cos, 'putObjectCopy', {
    ...base, Key: 'copy/replaced.md', CopySource: source('copy/src.txt'), MetadataDirective: 'Replaced',
    ContentType: 'text/markdown', Headers: { 'x-cos-meta-owner': 'u 2' },
  });
  h = await call(cos, 'headObject', { ...base, Key: 'copy/replaced.md' });
  report('copy putObjectCopy with Replaced takes the request metadata', statusOf(r) === 200 && statusOf(h) === 200 &&
    h.data.headers['content-type'] === 'text/markdown' && h.data.headers['x-cos-meta-owner'] === 'u 2' &&
    !h.data.headers['cache-control'], detail(r.err ? r : h));

  // A missing source: 404, the destination untouched.
  await call(cos, 'putObject', { ...base, Key: 'copy/keep.txt', Body: 'kept' });
  r = await call(cos, 'putObjectCopy', { ...base, Key: 'copy/keep.txt', CopySource: source('copy/absent.txt') });
  let kept = await body('copy/keep.txt');
  report('copy a missing source is 404 NoSuchKey and leaves the destination', statusOf(r) === 404 &&
    codeOf(r) === 'NoSuchKey' && kept && kept.toString() === 'kept', detail(r));

  // Onto itself: Replaced only.
  r = await call(cos, 'putObjectCopy', { ...base, Key: 'copy/keep.txt', CopySource: source('copy/keep.txt') });
  const again = await call(cos, 'putObjectCopy', {
    ...base, Key: 'copy/keep.txt', CopySource: source('copy/keep.txt'), MetadataDirective: 'Replaced', ContentType: 'text/csv',
  });
  h = await call(cos, 'headObject', { ...base, Key: 'copy/keep.txt' });
  report('copy onto itself needs Replaced', statusOf(r) === 400 && codeOf(r) === 'InvalidRequest' &&
    statusOf(again) === 200 && h.data.headers['content-type'] === 'text/csv', detail(r) + ' ' + detail(again));

  // sliceCopyFile over CopySliceSize: multipartInit, uploadPartCopy per
  // 1 MiB range, multipartComplete.
  const big = Buffer.alloc(2 * 1024 * 1024 + 4321);
  for (let i = 0; i < big.length; i++) big[i] = (i * 131) & 0xff;
  await call(cos, 'putObject', { ...base, Key: 'copy/big.bin', Body: big });
  r = await call(cos, 'sliceCopyFile', {
    ...base, Key: 'copy/sliced.bin', CopySource: source('copy/big.bin'), CopySliceSize: 1024 * 1024, CopyChunkSize: 1024 * 1024,
  });
  let back = await body('copy/sliced.bin');
  h = await call(cos, 'headObject', { ...base, Key: 'copy/sliced.bin' });
  report('copy sliceCopyFile copies in parts with uploadPartCopy', statusOf(r) === 200 && back &&
    Buffer.compare(back, big) === 0 && /-3"$/.test(h.data.headers.etag), detail(r.err ? r : h));

  // An out-of-range part is refused.
  const up = await call(cos, 'multipartInit', { ...base, Key: 'copy/ranged.bin' });
  r = await call(cos, 'uploadPartCopy', {
    ...base, Key: 'copy/ranged.bin', UploadId: up.data.UploadId, PartNumber: 1, CopySource: source('copy/src.txt'),
    CopySourceRange: 'bytes=0-100',
  });
  report('copy uploadPartCopy past the source is InvalidArgument', statusOf(r) === 400 && codeOf(r) === 'InvalidArgument', detail(r));

  // /sts keys: u1's may copy within uploads/u1/, never u2's objects, never
  // into uploads/u2/.
  const u1 = ctx.stsClient(env.TOKEN);
  await call(cos, 'putObject', { ...base, Key: 'uploads/u2/secret.txt', Body: "u2's secret" });
  r = await call(u1, 'putObject', { ...base, Key: 'uploads/u1/own.txt', Body: "u1's own" });
  const own = await call(u1, 'putObjectCopy', { ...base, Key: 'uploads/u1/own-copy.txt', CopySource: source('uploads/u1/own.txt') });
  back = await body('uploads/u1/own-copy.txt');
  report('copy /sts key copies within its own prefix', statusOf(r) === 200 && statusOf(own) === 200 && back &&
    back.toString() === "u1's own", detail(r.err ? r : own));

  r = await call(u1, 'putObjectCopy', { ...base, Key: 'uploads/u1/stolen.txt', CopySource: source('uploads/u2/secret.txt') });
  h = await call(cos, 'headObject', { ...base, Key: 'uploads/u1/stolen.txt' });
  report("copy /sts key cannot copy another caller's object into its prefix", statusOf(r) === 403 &&
    codeOf(r) === 'AccessDenied' && statusOf(h) === 404, detail(r));

  r = await call(u1, 'putObjectCopy', { ...base, Key: 'uploads/u2/planted.txt', CopySource: source('uploads/u1/own.txt') });
  h = await call(cos, 'headObject', { ...base, Key: 'uploads/u2/planted.txt' });
  report("copy /sts key cannot copy into another caller's prefix", statusOf(r) === 403 && codeOf(r) === 'AccessDenied' &&
    statusOf(h) === 404, detail(r));

  // Upload Part - Copy: of its own object, then of u2's.
  const mine = await call(u1, 'multipartInit', { ...base, Key: 'uploads/u1/parts.bin' });
  const p1 = await call(u1, 'uploadPartCopy', {
    ...base, Key: 'uploads/u1/parts.bin', UploadId: mine.data && mine.data.UploadId, PartNumber: 1,
    CopySource: source('uploads/u1/own.txt'),
  });
  const p2 = await call(u1, 'uploadPartCopy', {
    ...base, Key: 'uploads/u1/parts.bin', UploadId: mine.data && mine.data.UploadId, PartNumber: 2,
    CopySource: source('uploads/u2/secret.txt'),
  });
  const parts = await call(u1, 'multipartListPart', { ...base, Key: 'uploads/u1/parts.bin', UploadId: mine.data && mine.data.UploadId });
  const listed = (parts.data && parts.data.Part) || [];
  report('copy /sts key uploadPartCopy of its own object', statusOf(mine) === 200 && statusOf(p1) === 200, detail(mine.err ? mine : p1));
  report("copy /sts key uploadPartCopy of another caller's object is refused", statusOf(p2) === 403 &&
    codeOf(p2) === 'AccessDenied' && listed.length === 1 && String(listed[0].PartNumber) === '1', detail(p2) + ' ' + JSON.stringify(listed));
  r = await call(u1, 'multipartComplete', {
    ...base, Key: 'uploads/u1/parts.bin', UploadId: mine.data && mine.data.UploadId, Parts: [{ PartNumber: 1, ETag: p1.data && p1.data.ETag }],
  });
  back = await body('uploads/u1/parts.bin');
  report('copy /sts key completes its copied parts', statusOf(r) === 200 && back && back.toString() === "u1's own", detail(r));
};
