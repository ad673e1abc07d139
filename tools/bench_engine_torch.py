"""PyTorch side of `scar bench engine`: time one full training step (forward, backward, AdamW) of
the reference encoder and print one JSON line. Run by the C benchmark with Debian's python3.

usage: bench_engine_torch.py --batch 32 --tokens 120 --layers 4 --width 128 --heads 4 --mlp 512
                             --threads N --steps S [--variant manual|nn]"""
import argparse
import json
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_transformer import Encoder, adamw_groups


class NnEncoder(nn.Module):
    """The same shape with PyTorch's own nn.TransformerEncoder (pre-norm, GELU)."""

    def __init__(self, width, heads, layers, mlp, classes):
        super().__init__()
        layer = nn.TransformerEncoderLayer(width, heads, mlp, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.enc = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.ln_f = nn.LayerNorm(width)
        self.head = nn.Linear(width, classes, bias=False)

    def loss(self, x, mask, labels):
        h = self.ln_f(self.enc(x, src_key_padding_mask=~mask))
        w = mask.to(h.dtype) / mask.sum(1, keepdim=True).clamp(min=1).to(h.dtype)
        return F.cross_entropy(self.head((h * w[:, :, None]).sum(1)), labels), h


def main():
    ap = argparse.ArgumentParser()
    for k, v in dict(batch=32, tokens=120, layers=4, width=128, heads=4, mlp=512, classes=10,
                     threads=2, steps=20, warmup=3).items():
        ap.add_argument("--" + k, type=int, default=v)
    ap.add_argument("--variant", default="manual", choices=["manual", "nn"])
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    if a.variant == "manual":
        model = Encoder(a.width, a.heads, a.layers, a.mlp, a.classes)
        opt = torch.optim.AdamW(adamw_groups(model, 0.01), lr=1e-4)
    else:
        model = NnEncoder(a.width, a.heads, a.layers, a.mlp, a.classes)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    x = torch.randn(a.batch, a.tokens, a.width)
    mask = torch.ones(a.batch, a.tokens, dtype=torch.bool)
    labels = torch.randint(0, a.classes, (a.batch,))

    def step():
        opt.zero_grad(set_to_none=False)
        loss, _ = model.loss(x, mask, labels)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    times.sort()
    print(json.dumps({"variant": a.variant, "threads": a.threads, "median_ms": 1e3 * times[len(times) // 2],
                      "best_ms": 1e3 * times[0],
                      "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
