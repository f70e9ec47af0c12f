/**
 * Gradient (or forward) runs in a fresh process, for peak-memory rows: `node --import tsx rss-child.ts <dir>
 * <model> <options json> [path|bytes] [runs]` creates the session of `<dir>/<model>.onnx` with the given onnxruntime
 * options, by path (default: no JS copy of the model) or from its bytes read into JS (the reference is dropped once
 * the session exists), runs it `runs` times (default 1) on the feeds in `<dir>/f/<kind>/` (kind: `forward` for a
 * model named forward*, else `gradient`) and prints `{ baseKiB, createdKiB, peakKiB, lastKiB }` as JSON: the peak
 * resident set before the session, once it is created, after the first run and after the last (Linux).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

const [dir, model, optionsJson, from = 'path', runs = '1'] = process.argv.slice(2) as [
  string,
  string,
  string,
  string?,
  string?,
];
const kind = model.startsWith('forward') ? 'forward' : 'gradient';
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))[kind] as Record<
  string,
  { type: 'int64' | 'float32'; dims: number[] }
>;
const feeds: Record<string, ort.Tensor> = {};
for (const [name, t] of Object.entries(manifest)) {
  const buf = readFileSync(join(dir, 'f', kind, `${name}.bin`));
  const bytes = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  feeds[name] = new ort.Tensor(t.type, t.type === 'int64' ? new BigInt64Array(bytes) : new Float32Array(bytes), t.dims);
}
// VmHWM, the peak of this process's own memory map: getrusage's maxRSS would report the parent's peak at fork
const vmHwmKiB = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
const baseKiB = vmHwmKiB();
const path = join(dir, `${model}.onnx`);
const options = JSON.parse(optionsJson) as ort.InferenceSession.SessionOptions;
const session =
  from === 'bytes'
    ? await ort.InferenceSession.create(new Uint8Array(readFileSync(path)), options)
    : await ort.InferenceSession.create(path, options);
const createdKiB = vmHwmKiB();
let peakKiB = 0;
for (let r = 0; r < Number(runs); r++) {
  const out = await session.run(feeds);
  for (const t of Object.values(out)) t.dispose();
  if (r === 0) peakKiB = vmHwmKiB();
}
console.log(JSON.stringify({ baseKiB, createdKiB, peakKiB, lastKiB: vmHwmKiB() }));
