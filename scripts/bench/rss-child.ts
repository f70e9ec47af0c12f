/**
 * One gradient (or forward) run in a fresh process, for peak-memory rows: `node --import tsx rss-child.ts <dir>
 * <gradient|forward> <options json>` reads `<dir>/<kind>.onnx` (by path: no JS copy of the model) and the feeds in
 * `<dir>/f/<kind>/`, creates the session with the given onnxruntime options, runs it once and prints
 * `{ baseKiB, createdKiB, peakKiB }` as JSON: the peak resident set before the session, once it is created and after
 * the run (Linux).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

const [dir, kind, optionsJson] = process.argv.slice(2) as [string, string, string];
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
const session = await ort.InferenceSession.create(join(dir, `${kind}.onnx`), JSON.parse(optionsJson));
const createdKiB = vmHwmKiB();
const out = await session.run(feeds);
for (const t of Object.values(out)) t.dispose();
console.log(JSON.stringify({ baseKiB, createdKiB, peakKiB: vmHwmKiB() }));
