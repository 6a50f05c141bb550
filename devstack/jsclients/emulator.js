// Drives cos-nodejs-sdk-v5 against the COS emulator alone, for the
// emulator's own fidelity (README "What the emulators do"): listing,
// chunked uploads, copies, key normalisation, bucket naming, path-style
// addressing, traffic limits. The Go test (devstack/e2e/emulator_test.go)
// starts the stack, runs this and checks that every step printed "ok".
//
//   FUNCTIONS_URL  http://127.0.0.1:<port>   cosgate's functions (/sts)
//   COS_HOST       127.0.0.1:<port>          the COS emulator
//   BUCKET, REGION                           the emulated bucket
//   TOKEN, TOKEN2                            JWTs for uids u1 and u2
//   ROOT_ID, ROOT_KEY                        the emulated account's key: a bucket-wide grant
//
// Each module in ./emulator exports async function(ctx); ctx is below.
'use strict';

const COS = require('cos-nodejs-sdk-v5');

const { FUNCTIONS_URL, COS_HOST, BUCKET, REGION, TOKEN, TOKEN2, ROOT_ID, ROOT_KEY } = process.env;
if (!FUNCTIONS_URL || !COS_HOST || !BUCKET || !REGION || !TOKEN || !TOKEN2 || !ROOT_ID || !ROOT_KEY) {
  console.error('set FUNCTIONS_URL, COS_HOST, BUCKET, REGION, TOKEN, TOKEN2, ROOT_ID and ROOT_KEY');
  process.exit(2);
}

const { report, call, statusOf, codeOf, failed } = require('./steps.js');

// stsClient is a client whose getAuthorization fetches a /sts key for
// token, as README.md documents.
function stsClient(token, extra) {
  return new COS({
    Domain: COS_HOST,
    Protocol: 'http:',
    ...extra,
    getAuthorization(options, callback) {
      fetch(FUNCTIONS_URL + '/sts', { method: 'POST', headers: { Authorization: 'Bearer ' + token } })
        .then((res) => res.json().then((data) => ({ res, data })))
        .then(({ res, data }) => {
          if (res.status !== 200 || !data.credentials) throw new Error('sts refused: ' + res.status);
          callback({
            TmpSecretId: data.credentials.tmpSecretId,
            TmpSecretKey: data.credentials.tmpSecretKey,
            SecurityToken: data.credentials.sessionToken,
            StartTime: data.startTime,
            ExpiredTime: data.expiredTime,
          });
        })
        .catch((e) => callback({ error: e.message }));
    },
  });
}

// rootClient signs with the account's key, as a server holding a
// bucket-wide grant does.
function rootClient(extra) {
  return new COS({ Domain: COS_HOST, Protocol: 'http:', SecretId: ROOT_ID, SecretKey: ROOT_KEY, ...extra });
}

const ctx = {
  COS, report, call, statusOf, codeOf, stsClient, rootClient,
  base: { Bucket: BUCKET, Region: REGION },
  env: { FUNCTIONS_URL, COS_HOST, BUCKET, REGION, TOKEN, TOKEN2, ROOT_ID, ROOT_KEY },
};

const modules = process.argv.slice(2).length ? process.argv.slice(2) : ['basics', 'list', 'copy'];

(async () => {
  for (const name of modules) {
    try {
      await require('./emulator/' + name + '.js')(ctx);
    } catch (e) {
      report('module ' + name + ' ran to the end', false, e && e.stack);
    }
  }
  process.exit(failed() ? 1 : 0);
})();
