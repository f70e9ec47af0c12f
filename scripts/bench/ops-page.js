// Browser side of scripts/bench-ops.ts (served as is): loads one onnxruntime-web bundle from /ort/, one thread,
// creates a session on /m/<kind>.onnx with onnxruntime's profiler on, and exposes `globalThis.profile(runs)`, which
// runs it `runs` times after a warm-up run and ends profiling: onnxruntime-web prints the profile's JSON events to
// the console, where the bench reads them.
const q = new URLSearchParams(location.search);
const ort = await import(`/ort/${q.get('bundle')}`);
ort.env.wasm.wasmPaths = '/ort/';
ort.env.wasm.numThreads = 1;
const kind = q.get('kind');
const manifest = (await (await fetch('/m/manifest.json')).json())[kind];
const bytes = new Uint8Array(await (await fetch(`/m/${kind}.onnx`)).arrayBuffer());
const session = await ort.InferenceSession.create(bytes, {
  executionProviders: ['wasm'],
  graphOptimizationLevel: 'all',
  enableProfiling: true,
});
const feeds = {};
for (const [name, t] of Object.entries(manifest)) {
  const buf = await (await fetch(`/m/feeds/${kind}/${name}.bin`)).arrayBuffer();
  feeds[name] = new ort.Tensor(t.type, t.type === 'int64' ? new BigInt64Array(buf) : new Float32Array(buf), t.dims);
}
globalThis.profile = async (runs) => {
  for (let i = 0; i <= runs; i++) await session.run(feeds);
  session.endProfiling();
};
globalThis.ready = true;
