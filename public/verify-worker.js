// Custody's verification worker: verifies a bundle with the `evidence` crate
// compiled to wasm (the code the server and the CLI run), off the page's thread,
// and keeps what it found for the page to ask for, a little at a time.
//
// Where the page is cross-origin isolated and the machine has a second core, it
// starts a helper (this script again, as `verify-worker.js?helper`) that checks
// batches of signatures while this worker reads the rest: `evidence::bundle::helped::
// verify_and_read`. Answers come back through shared memory, so this worker
// can wait for one in the middle of a verification, where no message could reach it.
//
// Messages in:  {json, file | url}: `json` is an `app::browser_verify::protocol::WorkerRequest`
//               (serde JSON); a `verify` carries the bundle beside it, as a file or a URL.
// Messages out: {json}: an `app::browser_verify::protocol::WorkerReply` (serde JSON), written by
//               the wasm alone: progress, done, refused, results, event or transcript;
//               and {loaded: true | false} once, as soon as the wasm is ready to verify
//               or could not be loaded (the page starts this worker as it opens, so
//               that it can verify with the network gone; without the wasm no refusal
//               can be written, and the page says it could not load the verifier).
// This script only moves bytes and messages: what they say is Rust's.
// The helper takes {type: 'hello', ready} and {type: 'batch', packed, answer}: it
// sets `ready[0]` to 1 once it can check, and answers each batch in `answer`
// (Int32 state: 1 checked, 2 failed; then one byte per signature).
import init, { VerificationHandle, checkBatch, refusal } from '/pkg/custody.js';

const ready = init();
const isHelper = new URL(self.location.href).searchParams.has('helper');

if (isHelper) {
  onmessage = async ({ data }) => {
    if (data.type === 'hello') {
      await ready;
      Atomics.store(new Int32Array(data.ready), 0, 1);
    } else if (data.type === 'batch') {
      const state = new Int32Array(data.answer, 0, 1);
      const out = new Uint8Array(data.answer, 4);
      let result = 2;
      try {
        await ready;
        const verdicts = checkBatch(data.packed);
        if (verdicts && verdicts.length === out.length) {
          out.set(verdicts);
          result = 1;
        }
      } finally {
        Atomics.store(state, 0, result);
        Atomics.notify(state, 0);
      }
    }
  };
} else {
  // Started with this worker, so that it is ready by the time a bundle is.
  const helper = startHelper();
  let current = null;
  let loaded = false;
  // Ready once the wasm is, and the helper too (for at most HELPER_WAIT ms: a helper
  // that is slow to load is not waited for, and then checks nothing until it is).
  ready.then(
    async () => {
      if (helper) await helperReady(helper, HELPER_WAIT);
      loaded = true;
      postMessage({ loaded: true });
    },
    () => postMessage({ loaded: false }),
  );

  onmessage = async (event) => {
    const message = event.data;
    const verify = Boolean(message.file || message.url);
    try {
      await ready;
      if (verify) {
        if (current) { current.free(); current = null; }
        const bytes = await bytesOf(message);
        const batches = helper ? batchesFor(helper) : undefined;
        current = VerificationHandle.verify(bytes, message.json, (json) => postMessage({ json }), batches);
        postMessage({ json: current.done(bytes.length, batches ? batches.checked : 0) });
      } else if (current) {
        postMessage({ json: current.answer(message.json) });
      }
      // Else nothing is verified yet (or the last run was refused): nothing to answer.
    } catch (error) {
      // Without the wasm nothing can be verified, nor a refusal written.
      if (!loaded) { postMessage({ loaded: false }); return; }
      if (!verify) throw error;
      // A refusal the wasm wrote, or one of this script's (the bundle could not be fetched).
      const json = typeof error === 'string' && error.startsWith('{')
        ? error
        : refusal(error?.code ?? 'worker.failed', error?.message ?? String(error));
      postMessage({ json });
    }
  };
}

async function bytesOf(message) {
  if (message.file) return new Uint8Array(await message.file.arrayBuffer());
  const response = await fetch(message.url, { credentials: 'same-origin' });
  if (!response.ok) throw { code: 'bundle.unavailable', message: `The bundle could not be fetched (HTTP ${response.status}).` };
  return new Uint8Array(await response.arrayBuffer());
}

// How long the page's "ready" waits for the helper to load its wasm.
const HELPER_WAIT = 15000;

// Resolves once `helper` says it is ready, or after `ms`.
async function helperReady(helper, ms) {
  const until = Date.now() + ms;
  while (Atomics.load(helper.ready, 0) !== 1 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// The helper worker, where it can help: shared memory, and a second core.
function startHelper() {
  if (!self.crossOriginIsolated || (navigator.hardwareConcurrency || 1) < 2) return null;
  try {
    const worker = new Worker('/verify-worker.js?helper', { type: 'module' });
    // A helper that cannot load never says it is ready, and is never used; its error
    // is not this worker's (the page would read it as the verifier failing to load).
    worker.addEventListener('error', (event) => event.preventDefault());
    const ready = new SharedArrayBuffer(4);
    worker.postMessage({ type: 'hello', ready });
    return { worker, ready: new Int32Array(ready) };
  } catch {
    return null;
  }
}

// One run's side of `evidence::bundle::helped::Helper` (see `JsHelper` in app/src/browser_verify/wasm.rs).
function batchesFor(helper) {
  const waiting = [];
  const batches = {
    checked: 0,
    send(packed, count) {
      if (Atomics.load(helper.ready, 0) !== 1) return false;
      const answer = new SharedArrayBuffer(4 + count);
      try {
        helper.worker.postMessage({ type: 'batch', packed, answer }, [packed.buffer]);
      } catch {
        return false;
      }
      waiting.push(answer);
      return true;
    },
    // The oldest answer: its bytes; undefined while it has not come; null when lost
    // (the helper failed, or took longer than a minute): that batch is checked here.
    receive(wait) {
      const answer = waiting[0];
      if (!answer) return null;
      const state = new Int32Array(answer, 0, 1);
      if (Atomics.load(state, 0) === 0) {
        if (!wait) return undefined;
        Atomics.wait(state, 0, 0, 60_000);
      }
      waiting.shift();
      if (Atomics.load(state, 0) !== 1) return null;
      batches.checked += 1;
      return new Uint8Array(answer, 4).slice();
    },
  };
  return batches;
}
