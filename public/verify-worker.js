// Custody's verification worker: verifies a bundle with the `evidence` crate
// compiled to wasm (the code the server and the CLI run), off the page's thread,
// and keeps what it found for the page to ask for, a little at a time.
//
// Messages in:  {type: 'verify', url | file, roots}   (roots: PEM or one key per line)
//               {type: 'results', filter, page, perPage}
//               {type: 'event', index}
//               {type: 'transcript'}
// Messages out: {type: 'progress', done, total}
//               {type: 'done', summary, timeline, findings, millis, size}   (JSON texts)
//               {type: 'refused', code, message}
//               {type: 'results', json} · {type: 'event', index, json} · {type: 'transcript', text}
import init, { VerifiedBundle } from '/pkg/custody.js';

const ready = init();
let current = null;

async function bytesOf(message) {
  if (message.file) return new Uint8Array(await message.file.arrayBuffer());
  const response = await fetch(message.url, { credentials: 'same-origin' });
  if (!response.ok) throw { code: 'bundle.unavailable', message: `The bundle could not be fetched (HTTP ${response.status}).` };
  return new Uint8Array(await response.arrayBuffer());
}

onmessage = async (event) => {
  const message = event.data;
  try {
    await ready;
    if (message.type === 'verify') {
      if (current) { current.free(); current = null; }
      const bytes = await bytesOf(message);
      const started = performance.now();
      postMessage({ type: 'progress', done: 0, total: 0 });
      current = VerifiedBundle.verify(bytes, message.roots, (done, total) => postMessage({ type: 'progress', done, total }));
      const millis = performance.now() - started;
      postMessage({ type: 'done', summary: current.summary(), timeline: current.timeline(), findings: current.findings(), millis, size: bytes.length });
    } else if (!current) {
      // Nothing verified yet (or the last run was refused): nothing to answer.
    } else if (message.type === 'results') {
      postMessage({ type: 'results', json: current.results(message.filter, message.page, message.perPage) });
    } else if (message.type === 'event') {
      postMessage({ type: 'event', index: message.index, json: current.event(message.index) });
    } else if (message.type === 'transcript') {
      postMessage({ type: 'transcript', text: current.transcript() });
    }
  } catch (error) {
    if (message.type !== 'verify') throw error;
    let refusal = error;
    if (typeof error === 'string') {
      try { refusal = JSON.parse(error); } catch { refusal = { code: 'worker.failed', message: error }; }
    }
    postMessage({ type: 'refused', code: refusal.code ?? 'worker.failed', message: refusal.message ?? String(error) });
  }
};
