"""Torch side of scripts/bench-torch.ts: the bench's BERT-style classifier written plainly in torch (the same
architecture as packages/onnx-grad/test/fixtures/encoder.ts, family 'bert', opset 14), loaded from the weights the
bench wrote, driven over stdin/stdout so that its rounds interleave with onnxruntime's.

Commands (one per line): `fwd`, `bwd` (forward + backward w.r.t. the input embeddings), `saliency`, `ig <steps>`,
`occlusion`, `dump <dir>` (logits and gradient for the agreement check), `rss [base]` (peak resident KiB, now or before the weights were loaded), `quit`. Each timing command answers
with the milliseconds it took.
"""
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


BASE_HWM = hwm()  # before any weight is loaded
d = sys.argv[1]
torch.set_num_threads(int(sys.argv[2]))
torch.set_num_interop_threads(1)
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
    elif cmd[0] == 'rss':
        ms = BASE_HWM if cmd[1:] == ['base'] else hwm()
    elif cmd[0] == 'quit':
        break
    else:
        raise SystemExit(f'unknown command {cmd[0]}')
    print(ms, flush=True)
