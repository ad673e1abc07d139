"""The pre-norm transformer encoder of src/model/transformer.c, written in PyTorch.

Shared by the reference-file maker (make_transformer_ref.py) and the benchmark
(bench_engine_torch.py). Run with Debian's /usr/bin/python3 (python3-torch)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, width, heads, mlp, eps=1e-5):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(width, eps=eps)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.ln2 = nn.LayerNorm(width, eps=eps)
        self.fc1 = nn.Linear(width, mlp)
        self.fc2 = nn.Linear(mlp, width)

    def forward(self, x, mask):
        """x: [B, T, D]; mask: [B, T] bool (True = token present)."""
        B, T, D = x.shape
        H, dh = self.heads, D // self.heads
        q, k, v = self.qkv(self.ln1(x)).split(D, dim=-1)
        q, k, v = (t.reshape(B, T, H, dh).transpose(1, 2) for t in (q, k, v))  # [B, H, T, dh]
        att = (q @ k.transpose(-1, -2)) / math.sqrt(dh)
        att = att.masked_fill(~mask[:, None, None, :], float("-inf"))
        att = torch.nan_to_num(torch.softmax(att, dim=-1), nan=0.0)  # a sample with no token: zeros
        o = (att @ v).transpose(1, 2).reshape(B, T, D) * mask[:, :, None]  # absent rows are 0
        x = x + self.proj(o)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))


class Encoder(nn.Module):
    def __init__(self, width, heads, layers, mlp, classes, eps=1e-5):
        super().__init__()
        self.blocks = nn.ModuleList([Block(width, heads, mlp, eps) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(width, eps=eps)
        self.head = nn.Linear(width, classes, bias=False)

    def forward(self, x, mask):
        for b in self.blocks:
            x = b(x, mask)
        return self.ln_f(x)

    def loss(self, x, mask, labels):
        """Mean-pool the present tokens, a linear head, cross-entropy."""
        h = self.forward(x, mask)
        w = mask.to(h.dtype) / mask.sum(1, keepdim=True).clamp(min=1).to(h.dtype)
        pooled = (h * w[:, :, None]).sum(1)
        return F.cross_entropy(self.head(pooled), labels), h


def c_names(model):
    """Parameter names as the C model declares them, mapped to the PyTorch tensors."""
    out = {}
    for i, b in enumerate(model.blocks):
        p = f"enc.blocks.{i}."
        out.update({p + "ln1_w": b.ln1.weight, p + "ln1_b": b.ln1.bias,
                    p + "qkv_w": b.qkv.weight, p + "qkv_b": b.qkv.bias,
                    p + "proj_w": b.proj.weight, p + "proj_b": b.proj.bias,
                    p + "ln2_w": b.ln2.weight, p + "ln2_b": b.ln2.bias,
                    p + "fc1_w": b.fc1.weight, p + "fc1_b": b.fc1.bias,
                    p + "fc2_w": b.fc2.weight, p + "fc2_b": b.fc2.bias})
    out.update({"enc.ln_f_w": model.ln_f.weight, "enc.ln_f_b": model.ln_f.bias, "head_w": model.head.weight})
    return out


def adamw_groups(model, weight_decay):
    """Decay on weight matrices only (not norms, biases), as the C side declares."""
    decay, no_decay = [], []
    for name, p in c_names(model).items():
        (decay if name.endswith(("qkv_w", "proj_w", "fc1_w", "fc2_w", "head_w")) else no_decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
