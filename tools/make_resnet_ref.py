"""Write tests/ref/resnet_ntxent.safetensors: the 1-D ResNet-18 of src/model/resnet1d.c at base
width 8 with the SimCLR projection head and NT-Xent loss of src/model/ntxent.c, computed by PyTorch
in float64 from float32 inputs and weights. Holds:
  input.x1, input.x2 [3, 12, 250]       the two views (one lead of one sample zeroed: missing)
  weight.<name>                         every parameter and BN buffer, as the C model names them
  features [6, 64], proj [6, 16], loss  the training-mode forward of both views as one batch
  grad.<name>, grad.x1, grad.x2         every gradient
  buffer.<name>                         the BN running statistics after that forward
  adamw_losses [3]                      losses of 3 AdamW steps from the same start
  eval.features, eval.proj [3, ...]     evaluation-mode outputs for x1 after those steps
  ntxent.z1, ntxent.z2 [5, 7], ntxent.loss, ntxent.grad.z1/z2   the loss alone, temperature 0.5
  plain.*                               the head without BN (linear-ReLU-linear) on given features
and in the metadata the trainable parameter count of the width-64 encoder (ResNet-18).
tests/model/test_resnet_ref.c compares the C engine against it.

usage: /usr/bin/python3 tools/make_resnet_ref.py   (Debian's python3-torch)"""
import os

import numpy as np
import torch

from safetensors_py import save
from torch_resnet1d import ProjectionHead, SimClr, adamw_groups, c_names, is_buffer, nt_xent

CFG = dict(batch=3, leads=12, length=250, width=8, proj=16, temperature=0.2)
ADAMW = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05)
NTX = dict(batch=5, dim=7, temperature=0.5)


def f32(t):
    return t.detach().float().numpy().copy()


def main():
    torch.manual_seed(4321)
    c = CFG
    model = SimClr(c["leads"], c["width"], c["proj"], True, c["temperature"])
    with torch.no_grad():  # non-trivial BN scales and shifts, so their gradients and use are tested
        for name, p in c_names(model).items():
            if name.endswith("bn_w") or name.endswith(("bn1_w", "bn2_w")):
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif name.endswith(("bn_b", "bn1_b", "bn2_b")):
                p.copy_(0.1 * torch.randn_like(p))
    model = model.double()
    with torch.no_grad():  # float32-representable weights, as the C side loads them
        for p in c_names(model).values():
            p.copy_(p.float().double())
    start = {n: p.detach().clone() for n, p in c_names(model).items()}

    x1 = torch.randn(c["batch"], c["leads"], c["length"]).float().double()
    x2 = (x1 + 0.3 * torch.randn_like(x1)).float().double()
    x2[1, 7] = 0  # a missing lead arrives as zeros
    x1.requires_grad_(True)
    x2.requires_grad_(True)

    model.train()
    B = c["batch"]
    h = model.encoder(torch.cat([x1, x2]))
    z = model.head(h)
    loss = nt_xent(z[:B], z[B:], c["temperature"])
    loss.backward()
    out = {"input.x1": f32(x1), "input.x2": f32(x2), "features": f32(h), "proj": f32(z),
           "loss": np.array([loss.item()], dtype=np.float64), "grad.x1": f32(x1.grad), "grad.x2": f32(x2.grad)}
    for n, p in c_names(model).items():
        out["weight." + n] = f32(start[n])
        if is_buffer(n):
            out["buffer." + n] = f32(p)
        else:
            out["grad." + n] = f32(p.grad)

    with torch.no_grad():  # the AdamW run starts from the same weights and buffers
        for n, p in c_names(model).items():
            p.copy_(start[n])
    opt = torch.optim.AdamW(adamw_groups(model, ADAMW["weight_decay"]), lr=ADAMW["lr"],
                            betas=ADAMW["betas"], eps=ADAMW["eps"])
    losses = []
    for _ in range(3):
        opt.zero_grad()
        l, _ = model.loss(x1.detach(), x2.detach())
        l.backward()
        opt.step()
        losses.append(l.item())
    out["adamw_losses"] = np.array(losses, dtype=np.float64)
    model.eval()
    with torch.no_grad():
        he = model.encoder(x1.detach())
        out["eval.features"] = f32(he)
        out["eval.proj"] = f32(model.head(he))

    # NT-Xent alone
    z1 = torch.randn(NTX["batch"], NTX["dim"]).float().double().requires_grad_(True)
    z2 = torch.randn(NTX["batch"], NTX["dim"]).float().double().requires_grad_(True)
    lz = nt_xent(z1, z2, NTX["temperature"])
    lz.backward()
    out.update({"ntxent.z1": f32(z1), "ntxent.z2": f32(z2), "ntxent.loss": np.array([lz.item()], dtype=np.float64),
                "ntxent.grad.z1": f32(z1.grad), "ntxent.grad.z2": f32(z2.grad)})

    # The head without BN: linear-ReLU-linear on given features, loss NT-Xent of its two halves
    plain = ProjectionHead(12, 10, 6, bn=False).double()
    with torch.no_grad():
        for p in plain.parameters():
            p.copy_(p.float().double())
    hp = torch.randn(2 * 4, 12).float().double()
    zp = plain(hp)
    lp = nt_xent(zp[:4], zp[4:], 0.3)
    lp.backward()
    out.update({"plain.input": f32(hp), "plain.output": f32(zp), "plain.loss": np.array([lp.item()], dtype=np.float64),
                "plain.weight.fc1_w": f32(plain.fc1.weight), "plain.weight.fc1_b": f32(plain.fc1.bias),
                "plain.weight.fc2_w": f32(plain.fc2.weight), "plain.weight.fc2_b": f32(plain.fc2.bias),
                "plain.grad.fc1_w": f32(plain.fc1.weight.grad), "plain.grad.fc1_b": f32(plain.fc1.bias.grad),
                "plain.grad.fc2_w": f32(plain.fc2.weight.grad), "plain.grad.fc2_b": f32(plain.fc2.bias.grad)})

    meta = dict(c)
    meta["encoder_params_w64"] = sum(p.numel() for p in SimClr(12, 64).encoder.parameters())
    meta.update(lr=ADAMW["lr"], beta1=ADAMW["betas"][0], beta2=ADAMW["betas"][1], eps=ADAMW["eps"],
                weight_decay=ADAMW["weight_decay"], ntxent_temperature=NTX["temperature"], plain_temperature=0.3,
                torch=torch.__version__, made_by="tools/make_resnet_ref.py")
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "tests", "ref", "resnet_ntxent.safetensors")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    save(path, out, meta)
    print(f"wrote {os.path.normpath(path)}: loss {loss.item():.6f}, AdamW losses {[round(v, 6) for v in losses]}, "
          f"NT-Xent alone {lz.item():.6f}, plain head {lp.item():.6f}")


if __name__ == "__main__":
    main()
