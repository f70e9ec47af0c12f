"""Torch side of scripts/bench-torch.ts: the bench's BERT-style classifier written plainly in torch (the same
architecture as packages/onnx-grad/test/fixtures/encoder.ts, family 'bert', opset 14), loaded from the weights the
bench wrote, driven over stdin/stdout so that its rounds interleave with onnxruntime's.

Commands (one per line): `fwd`, `bwd` (forward + backward w.r.t. the input embeddings), `saliency`, `ig <steps>`,
`occlusion`, `dump <dir>` (logits and gradient for the agreement check), `gemm M K N` (one torch.matmul alone), `prof fwd|bwd
<runs> <file>` (torch.profiler's self CPU time per aten op and input shapes, JSON), `rss [base]` (peak resident KiB,
now or before the weights were loaded), `quit`. Each timing command answers with the milliseconds it took.
"""
import ctypes
import json
import math
import os
import re
import sys
import time

import numpy as np
import torch



def hwm():
    # VmHWM (KiB), this process's own peak: getrusage's ru_maxrss would report the parent's peak at fork
    return int(re.search(r'VmHWM:\s+(\d+)', open('/proc/self/status').read()).group(1))


def blas_threads(n):
    """torch.set_num_threads sets OpenMP's threads, not the pthread OpenBLAS's: that one starts a thread per core and
    ran every GEMM of a "1 thread" torch on 2 cores. Sets OpenBLAS's own count; returns a line saying what it did."""
    maps = open('/proc/self/maps').read()
    done = []
    for path in sorted(set(re.findall(r'(/\S*openblas\S*\.so[.\d]*)', maps))):
        lib = ctypes.CDLL(path)
        if not hasattr(lib, 'openblas_set_num_threads'):
            continue
        lib.openblas_get_corename.restype = ctypes.c_char_p
        before = lib.openblas_get_num_threads()
        lib.openblas_set_num_threads(n)
        done.append(f'{lib.openblas_get_corename().decode()} kernels, {lib.openblas_get_num_threads()} thread(s) '
                    f'(it had {before})')
    return f'OpenBLAS: {done[0]}' if done else 'no OpenBLAS loaded'


def check_threads(n):
    """Process CPU time over wall time of one GEMM: above n, some library runs more threads than asked for."""
    a, b = torch.ones(512, 768), torch.ones(768, 3072)
    a @ b
    c0, t0 = time.process_time(), time.perf_counter()
    for _ in range(3):
        a @ b
    return (time.process_time() - c0) / (time.perf_counter() - t0)


BASE_HWM = hwm()  # before any weight is loaded
d = sys.argv[1]
torch.set_num_threads(int(sys.argv[2]))
torch.set_num_interop_threads(1)
# a third argument `blas-as-is` leaves OpenBLAS's own thread count (bench-torch.ts --blas-as-is, for comparison)
blas = 'OpenBLAS left as is' if sys.argv[3:] == ['blas-as-is'] else blas_threads(int(sys.argv[2]))
cores = check_threads(int(sys.argv[2]))
print(f'torch: {blas}; one GEMM used {cores:.2f} cores for {sys.argv[2]} thread(s)', file=sys.stderr)
if cores > 1.3 * int(sys.argv[2]):
    print('torch: WARNING, torch runs on more threads than asked: its times are not comparable', file=sys.stderr)
spec = json.load(open(os.path.join(d, 'spec.json')))
W = {}
for name, dims in spec['weights'].items():
    if name == 'bert.embeddings.word_embeddings.weight':
        continue  # the input embeddings come gathered (inputs_embeds), as the gradient model takes them
    W[name] = torch.from_numpy(np.fromfile(os.path.join(d, 'w', name + '.bin'), dtype=np.float32).reshape(dims))


def feed(name, dtype, kind='forward'):
    f = spec['feeds'][kind][name]
    path = os.path.join(d, 'f', kind, name + '.bin')
    return torch.from_numpy(np.fromfile(path, dtype=dtype).reshape(f['dims']))


ids = feed('input_ids', np.int64)
mask = feed('attention_mask', np.int64)
types = feed('token_type_ids', np.int64)
H, heads, layers, eps = spec['hidden'], spec['heads'], spec['layers'], 1e-12
hd = H // heads
B, S = ids.shape


def lin(x, p):
    return torch.nn.functional.linear(x, W[p + '.weight'], W[p + '.bias'])


def ln(x, p):
    return torch.nn.functional.layer_norm(x, (H,), W[p + '.weight'], W[p + '.bias'], eps)


def split(x):
    return x.view(B, S, heads, hd).transpose(1, 2)


def model(embeds, m=mask):
    pos = W['bert.embeddings.position_embeddings.weight'][:S]
    x = ln(embeds + W['bert.embeddings.token_type_embeddings.weight'][types] + pos, 'bert.embeddings.LayerNorm')
    add = (1.0 - m[:, None, None, :].float()) * -10000.0
    for i in range(layers):
        p = f'bert.encoder.layer.{i}'
        q, k, v = (split(lin(x, f'{p}.attention.self.{n}')) for n in ('query', 'key', 'value'))
        scores = q @ k.transpose(-1, -2) / math.sqrt(hd) + add
        ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(B, S, H)
        x = ln(lin(ctx, f'{p}.attention.output.dense') + x, f'{p}.attention.output.LayerNorm')
        inter = torch.nn.functional.gelu(lin(x, f'{p}.intermediate.dense'))
        x = ln(lin(inter, f'{p}.output.dense') + x, f'{p}.output.LayerNorm')
    pooled = torch.tanh(lin(x[:, 0], 'bert.pooler.dense'))
    return lin(pooled, 'classifier')


embeds = feed('inputs_embeds', np.float32, 'gradient')
seed = torch.tensor([[i % 2 for i in range(2)] for _ in range(B)], dtype=torch.float32)  # one-hot on class 1


def grad(e, m=mask):
    e = e.detach().requires_grad_(True)
    logits = model(e, m)
    (g,) = torch.autograd.grad(logits, e, seed)
    return logits.detach(), g


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def saliency():
    grad(embeds)[1].abs().sum(-1)


def ig(steps):
    # one row per interpolation step, batched like the core (batch rows of B x S): steps forward+backward passes
    # of the whole batch, averaged, times the input (baseline zero embeddings)
    total = torch.zeros_like(embeds)
    for a in range(1, steps + 1):
        total += grad(embeds * (a / steps))[1]
    (embeds * total / steps).sum(-1)


def occlusion():
    # one token masked (embedding zeroed, attention kept) per forward pass, S passes over the batch
    with torch.no_grad():
        base = model(embeds)[:, 1]
        out = torch.empty(B, S)
        for t in range(S):
            e = embeds.clone()
            e[:, t] = 0
            out[:, t] = base - model(e)[:, 1]


gemms = {}
for line in sys.stdin:
    cmd = line.split()
    if not cmd:
        continue
    if cmd[0] == 'fwd':
        with torch.no_grad():
            ms = timed(lambda: model(embeds))
    elif cmd[0] == 'bwd':
        ms = timed(lambda: grad(embeds))
    elif cmd[0] == 'saliency':
        ms = timed(saliency)
    elif cmd[0] == 'ig':
        ms = timed(lambda: ig(int(cmd[1])))
    elif cmd[0] == 'occlusion':
        ms = timed(occlusion)
    elif cmd[0] == 'dump':
        logits, g = grad(embeds)
        logits.numpy().tofile(os.path.join(cmd[1], 'logits.bin'))
        g.numpy().tofile(os.path.join(cmd[1], 'grad.bin'))
        ms = 0
    elif cmd[0] == 'gemm':
        # `gemm M K N`: one torch.matmul [M,K] x [K,N] on seeded data, ms (the GEMM kernel alone)
        M, K, N = (int(v) for v in cmd[1:4])
        if (M, K, N) not in gemms:
            g = torch.Generator().manual_seed(0)
            gemms[(M, K, N)] = (torch.randn(M, K, generator=g), torch.randn(K, N, generator=g))
            torch.matmul(*gemms[(M, K, N)])
        ms = timed(lambda: torch.matmul(*gemms[(M, K, N)]))
    elif cmd[0] == 'prof':
        # `prof fwd|bwd <runs> <file>`: torch.profiler's self CPU time per aten op (us per run) as JSON
        work = {'fwd': lambda: model(embeds), 'bwd': lambda: grad(embeds)}[cmd[1]]
        runs = int(cmd[2])
        with torch.no_grad() if cmd[1] == 'fwd' else torch.enable_grad():
            work()
            t0 = time.perf_counter()
            with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], record_shapes=True) as prof:
                for _ in range(runs):
                    work()
            ms = (time.perf_counter() - t0) * 1000 / runs
        ops = {}
        for e in prof.key_averages(group_by_input_shape=True):
            key = e.key + ' ' + str(e.input_shapes)
            ops[key] = {'self_us': e.self_cpu_time_total / runs, 'count': e.count // runs}
        json.dump(ops, open(cmd[3], 'w'))
    elif cmd[0] == 'rss':
        ms = BASE_HWM if cmd[1:] == ['base'] else hwm()
    elif cmd[0] == 'quit':
        break
    else:
        raise SystemExit(f'unknown command {cmd[0]}')
    print(ms, flush=True)
