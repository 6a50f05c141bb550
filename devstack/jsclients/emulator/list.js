// cos-nodejs-sdk-v5's getBucket (GET Bucket, List Objects) against the COS
// emulator, as https://cloud.tencent.com/document/product/436/7734
// documents it: Prefix, Delimiter and CommonPrefixes, paging by Marker and
// NextMarker, MaxKeys, EncodingType url, and the cos:GetBucket action.
// Steps are named "list …".
'use strict';

module.exports = async function list(ctx) {
  const { report, call, statusOf, codeOf, base, env } = ctx;
  const cos = ctx.rootClient();
  const show = (r) => JSON.stringify(r.err || { ...r.data, headers: undefined });
  const keysOf = (d) => (d.Contents || []).map((c) => c.Key);
  const prefixesOf = (d) => (d.CommonPrefixes || []).map((p) => p.Prefix);
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  // In UTF-8 byte order, which is the order COS lists in.
  const keys = ['list/a.txt', 'list/b/1.txt', 'list/b/2.txt', 'list/c/3.txt', 'list/d.txt', 'list/enc/a b+c%d 腾讯.txt'];
  let ok = true;
  let r;
  for (const key of keys.slice().reverse()) {
    r = await call(cos, 'putObject', { ...base, Key: key, Body: key });
    ok = ok && statusOf(r) === 200;
  }
  report('list setup: the root key puts objects under list/', ok, show(r));

  r = await call(cos, 'getBucket', { ...base, Prefix: 'list-none/' });
  report('list getBucket of a prefix holding nothing is empty', statusOf(r) === 200 && keysOf(r.data).length === 0 &&
    r.data.IsTruncated === 'false' && r.data.Name === env.BUCKET, show(r));

  r = await call(cos, 'getBucket', { ...base, Prefix: 'list/' });
  const first = r.data && r.data.Contents && r.data.Contents[0];
  report('list getBucket with Prefix lists its keys in order', statusOf(r) === 200 && same(keysOf(r.data), keys) &&
    r.data.Prefix === 'list/' && r.data.MaxKeys === '1000' && first.Size === String(keys[0].length) &&
    /^"[0-9a-f]{32}"$/.test(first.ETag) && first.StorageClass === 'STANDARD' &&
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(first.LastModified) && !!first.Owner && first.Owner.ID !== '', show(r));

  r = await call(cos, 'getBucket', { ...base, Prefix: 'list/', Delimiter: '/' });
  report('list getBucket with Delimiter rolls keys into CommonPrefixes', statusOf(r) === 200 && r.data.Delimiter === '/' &&
    same(keysOf(r.data), ['list/a.txt', 'list/d.txt']) && same(prefixesOf(r.data), ['list/b/', 'list/c/', 'list/enc/']), show(r));

  // Pages of MaxKeys entries: Marker is the last page's NextMarker, given
  // only while IsTruncated is true.
  async function pages(params) {
    const seen = [];
    let marker = '';
    for (let i = 0; i < 20; i++) {
      const p = await call(cos, 'getBucket', { ...base, ...params, Marker: marker });
      if (statusOf(p) !== 200) return { err: show(p) };
      const entries = keysOf(p.data).concat(prefixesOf(p.data)).sort();
      seen.push(entries);
      if (p.data.IsTruncated !== 'true') {
        return p.data.NextMarker === undefined ? { seen } : { err: 'NextMarker on the last page: ' + show(p) };
      }
      if (p.data.NextMarker !== entries[entries.length - 1]) return { err: 'NextMarker is not the last entry: ' + show(p) };
      marker = p.data.NextMarker;
    }
    return { err: 'listing never ended' };
  }
  let pg = await pages({ Prefix: 'list/', MaxKeys: 2 });
  report('list getBucket pages by Marker and NextMarker', !pg.err &&
    same(pg.seen, [keys.slice(0, 2), keys.slice(2, 4), keys.slice(4)]), pg.err || JSON.stringify(pg.seen));
  pg = await pages({ Prefix: 'list/', Delimiter: '/', MaxKeys: 2 });
  report('list getBucket pages past a common prefix given as NextMarker', !pg.err &&
    same(pg.seen, [['list/a.txt', 'list/b/'], ['list/c/', 'list/d.txt'], ['list/enc/']]), pg.err || JSON.stringify(pg.seen));

  r = await call(cos, 'getBucket', { ...base, Prefix: 'list/enc/', EncodingType: 'url' });
  const encoded = 'list/enc/a%20b%2Bc%25d%20%E8%85%BE%E8%AE%AF.txt';
  report('list getBucket with EncodingType url encodes keys', statusOf(r) === 200 && r.data.EncodingType === 'url' &&
    same(keysOf(r.data), [encoded]) && decodeURIComponent(keysOf(r.data)[0]) === keys[5], show(r));

  r = await call(cos, 'getBucket', { ...base, Prefix: 'list/', MaxKeys: -1 });
  report('list getBucket with a negative MaxKeys is InvalidArgument', statusOf(r) === 400 && codeOf(r) === 'InvalidArgument', show(r));

  // The /sts key's grant (upload, multipart, read under uploads/<uid>/)
  // has no cos:GetBucket, so it may not list even its own prefix.
  r = await call(ctx.stsClient(env.TOKEN), 'getBucket', { ...base, Prefix: 'uploads/u1/' });
  report('list a /sts key without cos:GetBucket is AccessDenied', statusOf(r) === 403 && codeOf(r) === 'AccessDenied', show(r));
};
