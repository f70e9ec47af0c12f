/**
 * The PyTorch side of the bench, which runs only where Debian's python3-torch is installed (it is never installed
 * by the bench). Where torch is absent, this section says so and prints how to set up a machine for it; nothing
 * is measured, and the section does not fail.
 *
 * How torch gets its best CPU speed (the settings the comparison in issue 13 was measured with):
 *   apt-get install python3-torch libopenblas0-pthread   # the pthread OpenBLAS, not the serial or OpenMP one
 *   env -u OPENBLAS_CORETYPE OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=<threads> pnpm bench -- --only torch
 * OPENBLAS_CORETYPE unset lets OpenBLAS pick the kernels of the CPU it runs on; OMP_WAIT_POLICY=PASSIVE keeps idle
 * OpenMP threads from spinning (on a shared machine spinning threads slow everyone down, as onnxruntime's do).
 */
import { spawnSync } from 'node:child_process';

const probe = spawnSync('python3', ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.log(
    'python3-torch is not installed here: the PyTorch rows are skipped (the bench never installs it).\n' +
      'To run them: apt-get install python3-torch libopenblas0-pthread, then\n' +
      '  env -u OPENBLAS_CORETYPE OMP_WAIT_POLICY=PASSIVE pnpm bench -- --only torch',
  );
  process.exit(0);
}
console.log(
  `torch ${probe.stdout.trim()} is installed, but the torch-side runner (forward, forward+backward w.r.t. the input ` +
    'embeddings, IG/Saliency/Occlusion written plainly in torch, on the same exported model) is not written yet: ' +
    'it was left out because no machine with torch was available to check it against.',
);
