"""Write tests/ref/transformer.safetensors: a small pre-norm transformer encoder (the model of
src/model/transformer.c) with a mean-pool + linear head + cross-entropy loss, computed by PyTorch in
float64 from float32 inputs and weights. Holds the inputs, weights, the encoder output, the loss,
every gradient (weights and input), and the losses of 5 AdamW steps. tests/model/test_transformer_ref.c
compares the C engine against it.

usage: /usr/bin/python3 tools/make_transformer_ref.py   (Debian's python3-torch)"""
import os

import numpy as np
import torch

from safetensors_py import save
from torch_transformer import Encoder, adamw_groups, c_names

CFG = dict(batch=3, tokens=7, width=16, heads=4, layers=2, mlp=40, classes=5)
ADAMW = dict(lr=3e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05)


def main():
    torch.manual_seed(1234)
    c = CFG
    model = Encoder(c["width"], c["heads"], c["layers"], c["mlp"], c["classes"])
    with torch.no_grad():  # non-trivial norms and biases, so their gradients and use are tested
        for name, p in c_names(model).items():
            if name.endswith(("ln1_w", "ln2_w", "ln_f_w")):
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif name.endswith("_b"):
                p.copy_(0.1 * torch.randn_like(p))
            else:
                p.copy_(0.3 * torch.randn_like(p))
    model = model.double()
    x = torch.randn(c["batch"], c["tokens"], c["width"]).float().double().requires_grad_(True)
    mask = torch.ones(c["batch"], c["tokens"], dtype=torch.bool)
    mask[1, [1, 4]] = False      # holes in the middle
    mask[2, 3:] = False          # a short sample
    labels = torch.tensor([2, 0, 4])

    weights = {n: p.detach().float().numpy().copy() for n, p in c_names(model).items()}
    loss, h = model.loss(x, mask, labels)
    loss.backward()
    out = {"input": x.detach().float().numpy(), "mask": mask.numpy().astype(np.uint8),
           "labels": labels.numpy().astype(np.int64), "output": h.detach().float().numpy(),
           "loss": np.array([loss.item()], dtype=np.float64), "grad.input": x.grad.float().numpy()}
    for n, p in c_names(model).items():
        out["weight." + n] = weights[n]
        out["grad." + n] = p.grad.float().numpy()

    opt = torch.optim.AdamW(adamw_groups(model, ADAMW["weight_decay"]), lr=ADAMW["lr"],
                            betas=ADAMW["betas"], eps=ADAMW["eps"])
    losses = []
    for _ in range(5):
        opt.zero_grad()
        l, _ = model.loss(x.detach(), mask, labels)
        l.backward()
        opt.step()
        losses.append(l.item())
    out["adamw_losses"] = np.array(losses, dtype=np.float64)

    meta = {k: v for k, v in c.items()}
    meta.update(lr=ADAMW["lr"], beta1=ADAMW["betas"][0], beta2=ADAMW["betas"][1], eps=ADAMW["eps"],
                weight_decay=ADAMW["weight_decay"], torch=torch.__version__, made_by="tools/make_transformer_ref.py")
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "tests", "ref", "transformer.safetensors")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    save(path, out, meta)
    print(f"wrote {os.path.normpath(path)}: loss {loss.item():.6f}, AdamW losses {[round(v, 6) for v in losses]}")


if __name__ == "__main__":
    main()
