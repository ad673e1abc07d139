"""Write tests/ref/clip_loss.safetensors: the symmetric InfoNCE loss of src/model/clip_loss.c
computed by PyTorch in float64 (from float32 inputs), with the gradients of both embedding batches
and of the learnable logit scale; two cases: a scale inside the clamp range and one above it.

usage: /usr/bin/python3 tools/make_clip_ref.py"""
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

from safetensors_py import save

MAX_LOG_SCALE = math.log(100.0)


def clip_loss(a, b, logit_scale):
    za, zb = F.normalize(a, dim=1), F.normalize(b, dim=1)
    logits = logit_scale.clamp(0, MAX_LOG_SCALE).exp() * za @ zb.t()
    target = torch.arange(a.shape[0])
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target)) / 2


def main():
    torch.manual_seed(7)
    out = {}
    for case, scale in (("inside", math.log(1 / 0.07)), ("clamped", 5.0)):
        a = torch.randn(6, 8).float().double().requires_grad_(True)
        b = (0.5 * a.detach() + torch.randn(6, 8)).float().double().requires_grad_(True)
        s = torch.tensor([scale]).float().double().requires_grad_(True)
        loss = clip_loss(a, b, s)
        loss.backward()
        out.update({f"{case}.a": a.detach().float().numpy(), f"{case}.b": b.detach().float().numpy(),
                    f"{case}.logit_scale": s.detach().float().numpy(),
                    f"{case}.loss": np.array([loss.item()]), f"{case}.grad_a": a.grad.float().numpy(),
                    f"{case}.grad_b": b.grad.float().numpy(), f"{case}.grad_logit_scale": s.grad.double().numpy()})
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "tests", "ref", "clip_loss.safetensors")
    save(path, out, {"made_by": "tools/make_clip_ref.py", "torch": torch.__version__})
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
