/**
 * The fuzzer's child process: receives case ids from the runner, builds each case's input and judges it, replies
 * with the verdict. The runner kills it on a timeout (a hang) and restarts it; a process that dies (a V8 heap abort)
 * is a crash.
 */
import { loadBases } from './bases.ts';
import { makeCase } from './mutations.ts';
import { judge } from './oracle.ts';

const bases = loadBases();
process.on('message', async (msg: { id: number; seed: number }) => {
  let c: ReturnType<typeof makeCase>;
  try {
    c = makeCase(msg.id, bases, msg.seed);
  } catch (e) {
    // a mutation that leaves no encodable model is not an input: skipped, and counted as such
    process.send!({ id: msg.id, verdict: { kind: 'skipped', reason: (e as Error).message } });
    return;
  }
  process.send!({ started: msg.id, base: c.base, mutation: c.mutation }); // so a hang is reported with its input
  const verdict = await judge(c.bytes, c.externalData);
  process.send!({ id: msg.id, base: c.base, mutation: c.mutation, verdict });
});
process.send!({ ready: true });
