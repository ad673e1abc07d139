"""The 1-D ResNet-18 of src/model/resnet1d.c, the projection head and NT-Xent loss of
src/model/ntxent.c, written in PyTorch with nn.Conv1d / nn.BatchNorm1d.

Shared by the reference-file maker (make_resnet_ref.py) and the benchmark (bench_ssl_torch.py).
Run with Debian's /usr/bin/python3 (python3-torch)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

BN_EPS, BN_MOMENTUM = 1e-5, 0.1


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv1d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm1d(cout, BN_EPS, BN_MOMENTUM)
        self.conv2 = nn.Conv1d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm1d(cout, BN_EPS, BN_MOMENTUM)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv1d(cin, cout, 1, stride, 0, bias=False),
                                      nn.BatchNorm1d(cout, BN_EPS, BN_MOMENTUM))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return F.relu(h + (self.down(x) if self.down is not None else x))


class ResNet1d(nn.Module):
    """Stem (conv 7/2/3, BN, ReLU, max-pool 3/2/1), 4 stages of 2 BasicBlocks, global mean."""

    def __init__(self, in_channels=12, base_width=64):
        super().__init__()
        w = base_width
        self.stem_conv = nn.Conv1d(in_channels, w, 7, 2, 3, bias=False)
        self.stem_bn = nn.BatchNorm1d(w, BN_EPS, BN_MOMENTUM)
        self.stages = nn.ModuleList()
        cin = w
        for s, mult in enumerate((1, 2, 4, 8)):
            cout, stride = w * mult, 1 if s == 0 else 2
            self.stages.append(nn.ModuleList([BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]))
            cin = cout
        self.out_features = cin
        for m in self.modules():  # torchvision's initialisation
            if isinstance(m, nn.Conv1d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm1d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        """x: [B, C_in, L] -> [B, C_out]"""
        h = F.relu(self.stem_bn(self.stem_conv(x)))
        h = F.max_pool1d(h, 3, 2, 1)
        for stage in self.stages:
            for block in stage:
                h = block(h)
        return h.mean(-1)


class ProjectionHead(nn.Module):
    """With bn: linear (no bias) -> BN -> ReLU -> linear (SimCLR); without: linear -> ReLU -> linear."""

    def __init__(self, cin, hidden, cout, bn=True):
        super().__init__()
        self.fc1 = nn.Linear(cin, hidden, bias=not bn)
        self.bn = nn.BatchNorm1d(hidden, BN_EPS, BN_MOMENTUM) if bn else None
        self.fc2 = nn.Linear(hidden, cout)

    def forward(self, h):
        h = self.fc1(h)
        if self.bn is not None:
            h = self.bn(h)
        return self.fc2(F.relu(h))


def nt_xent(z1, z2, temperature):
    """SimCLR NT-Xent: z1, z2 [B, P]; mean over the 2B anchors of the cross-entropy towards the
    other view of the same sample among the 2B - 1 others."""
    B = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = z @ z.t() / temperature
    sim = sim.masked_fill(torch.eye(2 * B, dtype=torch.bool), float("-inf"))
    target = torch.cat([torch.arange(B, 2 * B), torch.arange(0, B)])
    return F.cross_entropy(sim, target)


class SimClr(nn.Module):
    """Encoder + head; both views go through the encoder as one batch (BN over both, as SimCLR)."""

    def __init__(self, in_channels=12, base_width=64, proj_dim=128, head_bn=True, temperature=0.1):
        super().__init__()
        self.encoder = ResNet1d(in_channels, base_width)
        f = self.encoder.out_features
        self.head = ProjectionHead(f, f, proj_dim, head_bn)
        self.temperature = temperature

    def loss(self, x1, x2):
        B = x1.shape[0]
        z = self.head(self.encoder(torch.cat([x1, x2])))
        return nt_xent(z[:B], z[B:], self.temperature), z


def c_names(model):
    """Tensors as the C model declares them (parameters and BN buffers), mapped to PyTorch's."""
    out = {}

    def bn(prefix, m):
        out.update({prefix + "_w": m.weight, prefix + "_b": m.bias,
                    prefix + "_mean": m.running_mean, prefix + "_var": m.running_var})

    e = model.encoder
    out["enc.stem.conv_w"] = e.stem_conv.weight
    bn("enc.stem.bn", e.stem_bn)
    for s, stage in enumerate(e.stages):
        for b, block in enumerate(stage):
            p = f"enc.layer{s + 1}.{b}."
            out[p + "conv1_w"] = block.conv1.weight
            bn(p + "bn1", block.bn1)
            out[p + "conv2_w"] = block.conv2.weight
            bn(p + "bn2", block.bn2)
            if block.down is not None:
                out[p + "down_w"] = block.down[0].weight
                bn(p + "down_bn", block.down[1])
    h = model.head
    out["proj.fc1_w"] = h.fc1.weight
    if h.bn is not None:
        bn("proj.bn", h.bn)
    else:
        out["proj.fc1_b"] = h.fc1.bias
    out["proj.fc2_w"] = h.fc2.weight
    out["proj.fc2_b"] = h.fc2.bias
    return out


def is_buffer(name):
    return name.endswith(("_mean", "_var"))


def adamw_groups(model, weight_decay):
    """Weight decay on conv and linear weights only (not BN, not biases), as the C side declares."""
    decay, no_decay = [], []
    for name, p in c_names(model).items():
        if is_buffer(name):
            continue
        is_weight = name.endswith("_w") and "bn" not in name.rsplit(".", 1)[-1]
        (decay if is_weight else no_decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
