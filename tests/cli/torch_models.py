"""Models for tests/cli/torch_bridge_test.sh: plain torch.nn.Sequential MLPs (depth 10, width
64, Linear without bias + ReLU) initialized with torch.nn.init, exported by
scripts/export_init.py MODULE:FACTORY. Each factory matches a built-in initcheck scheme."""

import math

import torch
from torch import nn

WIDTH = 64
DEPTH = 10


def _mlp(init):
    layers = []
    for _ in range(DEPTH):
        linear = nn.Linear(WIDTH, WIDTH, bias=False)
        init(linear.weight)
        layers += [linear, nn.ReLU()]
    return nn.Sequential(*layers)


def kaiming():
    """torch.nn.init.kaiming_normal_ for ReLU: initcheck's kaiming_normal."""
    return _mlp(lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"))


def xavier():
    """torch.nn.init.xavier_normal_ (gain 1) under ReLU: initcheck's xavier_normal, ×1/2 per layer."""
    return _mlp(nn.init.xavier_normal_)


def truncated():
    """trunc_normal_ with Kaiming's std cut at ±2 std and no variance correction:
    initcheck's truncated_normal(sigma=sqrt(2/fan_in)), ×0.774 per layer."""
    std = math.sqrt(2.0 / WIDTH)
    return _mlp(lambda w: nn.init.trunc_normal_(w, std=std, a=-2 * std, b=2 * std))


def kaiming_conv():
    """Conv2d 3x3 (padding 1, bias) + ReLU, depth 4, 8 channels: initcheck's kaiming_normal on
    --arch conv --kernel 3 with a zero bias."""
    layers = []
    for i in range(4):
        conv = nn.Conv2d(3 if i == 0 else 8, 8, 3, padding=1)
        nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
        nn.init.zeros_(conv.bias)
        layers += [conv, nn.ReLU()]
    return nn.Sequential(*layers)


def with_batchnorm():
    """A model initcheck cannot read (BatchNorm buffers): export works, check refuses it."""
    return nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 4))


def not_a_module():
    return torch.zeros(3)
