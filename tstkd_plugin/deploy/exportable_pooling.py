# Copyright (c) tstkd_plugin contributors.
"""Adaptive average pooling that the ONNX exporter can write for any size.

torch's TorchScript ONNX exporter refuses ``adaptive_avg_pool2d`` when the
output size does not divide the input size (PSPNet's pyramid bins 3 and 6
on an 8x8 map: "output size that are not factor of input size"). Each output
cell is the mean of a fixed window ``[floor(i*H/o), ceil((i+1)*H/o))``, so
for the fixed spatial size of an export the pooling is two matrix products
with averaging matrices: exact up to float rounding, and plain MatMul in
ONNX.
"""
import copy
import math
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def averaging_matrix(size: int, out: int, like: Tensor) -> Tensor:
    """(out, size): row ``i`` averages the window adaptive pooling uses."""
    matrix = torch.zeros(out, size, dtype=like.dtype, device=like.device)
    for i in range(out):
        start, end = (i * size) // out, math.ceil((i + 1) * size / out)
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix


class MatrixAdaptiveAvgPool2d(nn.AdaptiveAvgPool2d):
    """``nn.AdaptiveAvgPool2d`` computed with averaging matrices when the
    output size does not divide the input size (the exporter's native
    operator otherwise)."""

    def forward(self, x: Tensor) -> Tensor:
        height, width = x.shape[-2:]
        out = self.output_size if isinstance(self.output_size, tuple) \
            else (self.output_size, self.output_size)
        out_h, out_w = (size if o is None else o
                        for o, size in zip(out, (height, width)))
        if height % out_h == 0 and width % out_w == 0:
            return F.adaptive_avg_pool2d(x, (out_h, out_w))
        rows = averaging_matrix(int(height), out_h, x)
        cols = averaging_matrix(int(width), out_w, x)
        return torch.matmul(torch.matmul(rows, x), cols.t())


def with_exportable_pooling(module: nn.Module) -> Tuple[nn.Module, int]:
    """A copy of ``module`` whose ``nn.AdaptiveAvgPool2d`` layers are
    :class:`MatrixAdaptiveAvgPool2d`; and how many were swapped.

    The original is left as it is: the export is checked against it.
    """
    module = copy.deepcopy(module)
    swapped = 0
    for parent in module.modules():
        for name, child in parent.named_children():
            if type(child) is nn.AdaptiveAvgPool2d:
                setattr(parent, name,
                        MatrixAdaptiveAvgPool2d(child.output_size))
                swapped += 1
    return module, swapped
