// Browser side of scripts/bench-browser.ts (served as is, no bundler): loads one onnxruntime-web bundle from /ort/
// with the threads and execution provider named in the query, creates the bench's forward and gradient sessions
// from /m/, and exposes `globalThis.bench.run(kind)`, which times one session.run inside the page, and
// `bench.create(kind)`, which times the creation of one more session (released). `wasm=jspi` points the bundle at the
// JSPI binary, as the core does with the WebGPU bundle where the browser has JSPI (packages/core/src/runtime/wasm-build.ts).
const q = new URLSearchParams(location.search);
const ort = await import(`/ort/${q.get('bundle')}`);
ort.env.wasm.wasmPaths =
  q.get('wasm') === 'jspi'
    ? { mjs: '/ort/ort-wasm-simd-threaded.jspi.mjs', wasm: '/ort/ort-wasm-simd-threaded.jspi.wasm' }
    : '/ort/';
ort.env.wasm.numThreads = Number(q.get('threads'));
ort.env.logLevel = 'error';
const ep = q.get('ep');

const manifest = await (await fetch('/m/manifest.json')).json();
const sessions = {};
const feeds = {};
const createMs = {};
const bytes = {};
const options = { executionProviders: [ep], graphOptimizationLevel: 'all' };
for (const kind of ['forward', 'gradient']) {
  bytes[kind] = new Uint8Array(await (await fetch(`/m/${kind}.onnx`)).arrayBuffer());
  const t0 = performance.now();
  sessions[kind] = await ort.InferenceSession.create(bytes[kind], options);
  createMs[kind] = performance.now() - t0;
  feeds[kind] = {};
  for (const [name, t] of Object.entries(manifest[kind])) {
    const buf = await (await fetch(`/m/feeds/${kind}/${name}.bin`)).arrayBuffer();
    const data = t.type === 'int64' ? new BigInt64Array(buf) : new Float32Array(buf);
    feeds[kind][name] = new ort.Tensor(t.type, data, t.dims);
  }
}

async function run(kind) {
  const t0 = performance.now();
  const out = await sessions[kind].run(feeds[kind]);
  const ms = performance.now() - t0;
  for (const t of Object.values(out)) t.dispose?.();
  return ms;
}
async function create(kind) {
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(bytes[kind], options);
  const ms = performance.now() - t0;
  await session.release();
  return ms;
}
// Warm-up: first runs allocate arenas and (WebGPU) compile kernels.
await run('forward');
await run('gradient');
globalThis.bench = { run, create, createMs, isolated: globalThis.crossOriginIsolated === true };
