"""PyTorch side of `scar bench ssl`: time one SimCLR training step of the 1-D ResNet-18 (two views
through the encoder as one batch, projection head, NT-Xent, backward, AdamW) and print one JSON
line. Run by the C benchmark with Debian's python3.

usage: bench_ssl_torch.py --batch 64 --leads 12 --length 1000 --width 64 --proj 128
                          --threads N --steps S --warmup W [--no-head-bn]"""
import argparse
import json
import resource
import time

import torch

from torch_resnet1d import SimClr, adamw_groups


def main():
    ap = argparse.ArgumentParser()
    for k, v in dict(batch=64, leads=12, length=1000, width=64, proj=128, threads=2, steps=5, warmup=1).items():
        ap.add_argument("--" + k, type=int, default=v)
    ap.add_argument("--temperature", type=float, default=0.1)
    ap.add_argument("--no-head-bn", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = SimClr(a.leads, a.width, a.proj, not a.no_head_bn, a.temperature)
    model.train()
    opt = torch.optim.AdamW(adamw_groups(model, 0.01), lr=1e-4)
    x1 = torch.randn(a.batch, a.leads, a.length)
    x2 = torch.randn(a.batch, a.leads, a.length)

    def step():
        opt.zero_grad(set_to_none=False)
        loss, _ = model.loss(x1, x2)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    times, cpu = [], []
    for _ in range(a.steps):
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    times.sort()
    cpu.sort()
    print(json.dumps({"threads": a.threads, "median_ms": 1e3 * times[len(times) // 2], "best_ms": 1e3 * times[0],
                      "median_cpu_ms": 1e3 * cpu[len(cpu) // 2],
                      "mkldnn": torch.backends.mkldnn.is_available(),
                      "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
