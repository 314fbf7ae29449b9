#!/usr/bin/env node
/*
 * Verifies Staff Passport credentials with Digital Bazaar's JavaScript libraries, as a verifier
 * outside the partnership would: @digitalbazaar/vc's verifyCredential with a Data Integrity proof suite
 * for eddsa-jcs-2022 and the Bitstring Status List check.
 *
 *   node tests/interop/verify.mjs --origin http://127.0.0.1:5000 [FILE]     (FILE or stdin: a
 *   presentation, a credential, or a JSON array of credentials)
 *
 * Nothing is fetched but from the --origin addresses (repeatable): did:web DID documents and status list
 * credentials. JSON-LD contexts are offline, from the npm context packages; our own context
 * (<origin>/contexts/staff-passport/v1) is read from the repository file, so this also checks that what
 * we publish is what the credentials need. did:web DIDs on 127.0.0.1 or localhost are resolved over
 * http (a test server), all others over https (did:web method, section 3.2).
 *
 * Prints {"presentation": {...} | null, "credentials": [{"id", "issuer", "verified", "status":
 * {"revocation", "suspension"}, "revoked", "suspended", "errors", "jsonld": {...}}]}. `verified` is the
 * library's answer: signature, issuer's key, dates, and status lists that verify; a revoked or
 * suspended credential is still `verified` (the library reports the status bits, as here, and leaves
 * the decision to the caller). `jsonld` expands the credential in safe mode with the same contexts: any
 * term that no context defines, or that redefines a protected term, is reported there.
 * Exit 0: every credential verified, none revoked or suspended, every term defined; 1: otherwise;
 * 2: bad arguments or input.
 */
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';

import * as vc from '@digitalbazaar/vc';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createVerifyCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import multikeyContext from '@digitalbazaar/multikey-context';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {contexts as statusListContexts} from '@digitalbazaar/vc-bitstring-status-list-context';
import didContext from 'did-context';
import jsonld from 'jsonld';

const OUR_CONTEXT_PATH = '/contexts/staff-passport/v1';
const OUR_CONTEXT_FILE = fileURLToPath(
  new URL('../../passport/credentials/contexts/staff-passport-v1.jsonld', import.meta.url));
const LOOPBACK = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;

function usage(message) {
  process.stderr.write(`${message}\nusage: node verify.mjs --origin URL [--origin URL ...] [FILE|-]\n`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {origin: {type: 'string', multiple: true, default: []}},
    allowPositionals: true
  });
} catch(e) {
  usage(e.message);
}
const origins = new Set(args.values.origin.map(origin => {
  try {
    return new URL(origin).origin;
  } catch {
    usage(`not a URL: ${origin}`);
  }
}));
if(args.positionals.length > 1) {
  usage('give at most one file');
}

// --- Offline contexts -------------------------------------------------------------------------------

const offline = new Map([
  ...credentialsContexts,
  ...dataIntegrityContext.contexts,
  ...multikeyContext.contexts,
  ...didContext.contexts,
  ...statusListContexts
]);
const ourContext = JSON.parse(readFileSync(OUR_CONTEXT_FILE, 'utf8'));
for(const origin of origins) {
  offline.set(`${origin}${OUR_CONTEXT_PATH}`, ourContext);
}

// --- did:web and HTTP, from the allowed origins only ----------------------------------------------

/** The URL of a did:web DID's document (did:web method 3.2; http for a loopback host). */
function didWebDocumentUrl(did) {
  const [scheme, method, host, ...path] = did.split(':');
  if(scheme !== 'did' || method !== 'web' || !host) {
    throw new Error(`not a did:web DID: ${did}`);
  }
  const authority = decodeURIComponent(host);
  const protocol = LOOPBACK.test(authority) ? 'http' : 'https';
  const tail = path.length ?
    `${path.map(segment => decodeURIComponent(segment)).join('/')}/did.json` :
    '.well-known/did.json';
  return `${protocol}://${authority}/${tail}`;
}

const fetched = new Map();

async function fetchJson(url) {
  if(!origins.has(new URL(url).origin)) {
    throw new Error(`refused to fetch ${url}: not at an --origin`);
  }
  if(!fetched.has(url)) {
    fetched.set(url, (async () => {
      const response = await fetch(url, {
        headers: {accept: 'application/json, application/ld+json'},
        redirect: 'error',
        signal: AbortSignal.timeout(15000)
      });
      if(!response.ok) {
        throw new Error(`GET ${url} answered ${response.status}`);
      }
      return response.json();
    })());
  }
  return fetched.get(url);
}

async function resolveDidWeb(didUrl) {
  const [did, fragment] = didUrl.split('#');
  const document = await fetchJson(didWebDocumentUrl(did));
  if(document.id !== did) {
    throw new Error(`the DID document of ${did} names itself ${document.id}`);
  }
  if(fragment === undefined) {
    return document;
  }
  const method = (document.verificationMethod || []).find(
    candidate => candidate.id === didUrl || candidate.id === `#${fragment}`);
  if(!method) {
    throw new Error(`${did} has no verification method #${fragment}`);
  }
  return {'@context': document['@context'], ...method, id: didUrl};
}

async function documentLoader(url) {
  if(offline.has(url)) {
    return {contextUrl: null, documentUrl: url, document: structuredClone(offline.get(url))};
  }
  let document;
  if(url.startsWith('did:web:')) {
    document = await resolveDidWeb(url);
  } else if(/^https?:\/\//.test(url)) {
    document = await fetchJson(url);
  } else {
    throw new Error(`refused to load ${url}: not an offline context, did:web or --origin URL`);
  }
  return {contextUrl: null, documentUrl: url, document: structuredClone(document)};
}

// --- Verification -----------------------------------------------------------------------------------

const suite = new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()});

function messages(error) {
  if(!error) {
    return [];
  }
  if(Array.isArray(error)) {
    return error.flatMap(messages);
  }
  const nested = Array.isArray(error.errors) ? messages(error.errors) : [];
  const own = error.message || String(error);
  return nested.length ? nested : [own];
}

async function expandCheck(credential) {
  // Safe mode: a term that no context defines (it would be dropped) or a relative IRI is an error.
  try {
    await jsonld.expand(structuredClone(credential), {documentLoader, safe: true});
    return {expanded: true, error: null};
  } catch(error) {
    const event = error.details?.event;
    const detail = event ? `${event.code}: ${JSON.stringify(event.details)}` : messages(error).join('; ');
    return {expanded: false, error: detail};
  }
}

async function report(credential, result) {
  const status = {revocation: null, suspension: null};
  for(const entry of result.statusResult?.results || []) {
    status[entry.credentialStatus.statusPurpose] = entry.status;
  }
  const errors = [...new Set([
    ...messages(result.error),
    ...(result.results || []).flatMap(r => messages(r.error)),
    ...messages(result.statusResult?.error)
  ])];
  return {
    id: credential?.id ?? null,
    issuer: typeof credential?.issuer === 'object' ? credential.issuer?.id : credential?.issuer ?? null,
    verified: result.verified === true,
    status,
    revoked: status.revocation === true,
    suspended: status.suspension === true,
    errors,
    jsonld: await expandCheck(credential)
  };
}

function readInput() {
  const [file] = args.positionals;
  try {
    return JSON.parse(readFileSync(file && file !== '-' ? file : 0, 'utf8'));
  } catch(e) {
    usage(`cannot read the input as JSON: ${e.message}`);
  }
}

async function main() {
  const input = readInput();
  const options = {suite, documentLoader, checkStatus};
  let presentation = null;
  let credentials;
  let results;
  const types = [].concat(input?.type ?? []);
  if(types.includes('VerifiablePresentation')) {
    credentials = [].concat(input.verifiableCredential ?? []);
    // Our presentations are unsigned: the share link binds the holder, not a holder's signature.
    const result = await vc.verify({...options, presentation: structuredClone(input), unsignedPresentation: true});
    presentation = {verified: result.verified === true, errors: messages(result.error)};
    results = result.credentialResults ??
      credentials.map(() => ({verified: false, error: result.error}));
  } else {
    credentials = Array.isArray(input) ? input : [input];
    results = [];
    for(const credential of credentials) {
      results.push(await vc.verifyCredential({...options, credential: structuredClone(credential)}));
    }
  }
  const reports = [];
  for(const [i, credential] of credentials.entries()) {
    reports.push(await report(credential, results[i]));
  }
  process.stdout.write(`${JSON.stringify({presentation, credentials: reports}, null, 2)}\n`);
  const good = reports.length > 0 && (presentation?.verified ?? true) && reports.every(r =>
    r.verified && !r.revoked && !r.suspended && r.jsonld.expanded);
  process.exitCode = good ? 0 : 1;
}

await main();
