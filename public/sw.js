// Custody's service worker: keeps the Verify page, the app it runs and its verifier
// in this browser, so that /verify opens and verifies with the network off (an
// auditor cuts the network to prove that nothing leaves the browser).
//
// Registered by the Verify page with scope /verify: it controls that page (and the
// verification worker, /verify-worker.js) and no other. It answers only GET
// requests for the paths in SHELL, from this origin; every other request goes to
// the network untouched, and nothing else is ever stored.
//
// How it answers a kept path: network first. The request goes to the server as
// usual, and a good answer is served (online users always get what the server has
// now) and kept for next time. When the network fails, or has not answered within
// NETWORK_WAIT ms, the kept copy is served. The app's files are not versioned by
// name (/pkg/custody.js is the same name in every build), so a copy from the cache
// first could pair an old page with a new wasm; network first keeps them together.
//
// The kept page is fetched without cookies: it is the page anyone gets, naming no
// account, and never a signed-in reviewer's copy. It keeps the response's headers,
// so offline it has the same Content-Security-Policy (its nonce included),
// cross-origin isolation and everything else the server sent with it.
//
// The page asks {check: true} over a MessageChannel and gets {kept: true} when every
// path is in the cache (the missing ones are fetched first), {kept: false} when they
// cannot all be.

const CACHE = 'custody-verify-v1';
const PAGE = '/verify';
const SHELL = [
  PAGE,
  '/pkg/custody.js',
  '/pkg/custody_bg.wasm',
  '/pkg/custody.css',
  '/verify-worker.js',
  '/favicon.svg',
  '/favicon.ico',
];
const NETWORK_WAIT = 5000;

// A kept path as it is fetched to be kept: without cookies, past the HTTP cache.
const plain = (path) => new Request(path, { credentials: 'omit', cache: 'no-cache' });

self.addEventListener('install', (event) => {
  // All or nothing: a worker that could not keep every path never becomes active,
  // and the page does not say it verifies offline.
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(SHELL.map(plain)))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('custody-verify-') && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (!SHELL.includes(url.pathname)) return;
  event.respondWith(networkFirst(event, url.pathname));
});

self.addEventListener('message', (event) => {
  const port = event.ports && event.ports[0];
  if (!port || !event.data || event.data.check !== true) return;
  event.waitUntil(holdsAll().then((kept) => port.postMessage({ kept })));
});

async function networkFirst(event, path) {
  const network = fetch(event.request);
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer in time')), NETWORK_WAIT);
  });
  let response;
  try {
    response = await Promise.race([network, late]);
  } catch {
    const kept = await (await caches.open(CACHE)).match(path);
    // No copy: wait for the network after all (it may still answer).
    return kept ?? network;
  } finally {
    clearTimeout(timer);
  }
  if (response.status === 200) {
    const copy = path === PAGE ? null : response.clone();
    event.waitUntil(keep(path, copy).catch(() => {}));
  }
  return response;
}

// Keeps `copy` as `path`; for the page, a fresh copy fetched without cookies instead
// of the one the reviewer got.
async function keep(path, copy) {
  const response = copy ?? await fetch(plain(path));
  if (response.status === 200) await (await caches.open(CACHE)).put(path, response);
}

async function holdsAll() {
  const cache = await caches.open(CACHE);
  const missing = [];
  for (const path of SHELL) {
    if (!(await cache.match(path))) missing.push(path);
  }
  if (missing.length === 0) return true;
  try {
    await cache.addAll(missing.map(plain));
    return true;
  } catch {
    return false;
  }
}
