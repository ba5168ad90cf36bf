# Copyright (c) tstkd_plugin contributors.
from functools import partial
from typing import Dict, List, NamedTuple, Optional, Sequence

import torch
import torch.nn as nn
from torch.distributions import RelaxedBernoulli

from ..registry import MODELS
from .augment_ops import AUGMENT_OPS, image_sizes, warp


def _inside(hw: torch.Tensor, shape) -> torch.Tensor:
    """(B, 1, H, W) masks of each image's valid area in a padded batch."""
    ys = torch.arange(shape[0], device=hw.device).view(1, 1, -1, 1)
    xs = torch.arange(shape[1], device=hw.device).view(1, 1, 1, -1)
    return (ys < hw[:, 0].view(-1, 1, 1, 1)) & \
        (xs < hw[:, 1].view(-1, 1, 1, 1))


def init_logits(key: str, value, names: List[str]) -> torch.Tensor:
    """Logits of initial probabilities/magnitudes in (0, 1), given for all
    ``names`` or per name (a dict; missing names get 0.5)."""
    values = [value.get(n, 0.5) for n in names] \
        if isinstance(value, dict) else [value] * len(names)
    for name, v in zip(names, values):
        if not 0 < v < 1:
            raise ValueError(f'{key}: expected values in (0, 1), got '
                             f'{v} for {name}')
    return torch.logit(torch.tensor(values, dtype=torch.float32))


class AugmentedImages(NamedTuple):
    """What :class:`LearnableAugment` did to a batch.

    Attributes:
        images (Tensor): The augmented batch, normalised as the input.
        matrix (Tensor, optional): (B, 3, 3), the map each image went
            through (``geometry='compose'``; None otherwise), for boxes and
            masks to follow.
        gates (dict): Per op applied, its gates (B, ), detached.
        affines (dict): Per geometric op applied, its matrices (B, 3, 3),
            pixel coordinates, detached.
    """
    images: torch.Tensor
    matrix: Optional[torch.Tensor]
    gates: Dict[str, torch.Tensor]
    affines: Dict[str, torch.Tensor]


class LearnedPolicy:
    """Readouts of a learnable policy with ``probability_logits`` over
    ``op_names`` and ``magnitude_logits`` over ``magnitude_names``."""

    @property
    def probabilities(self) -> Dict[str, float]:
        p = torch.sigmoid(self.probability_logits).tolist()
        return dict(zip(self.op_names, p))

    @property
    def magnitudes(self) -> Dict[str, float]:
        m = torch.sigmoid(self.magnitude_logits).tolist()
        return dict(zip(self.magnitude_names, m))


@MODELS.register_module()
class LearnableAugment(LearnedPolicy, nn.Module):
    """TST's learnable data augmentation with a prior set of operations.

    Each call picks ``num_ops`` of the operations at random for the batch;
    each picked op i is gated by a relaxed Bernoulli sample ``g_i`` (logit
    ``probability_logits[i]``, temperature ``temperature``), one for the
    batch (``gate='batch'``, the reference) or one per sample
    (``gate='sample'``), and the ops are combined as a residual sum,
    ``x + sum_i g_i * (T_i(x, m_i) - x)``, with ``m_i =
    sigmoid(magnitude_logits[i])`` scaled to the op's AutoAugment range. The
    magnitude acts in one direction (brighter, more contrast, a positive
    shear, ...: the reference) or, with ``signed=True``, with a random sign
    per sample. Gradients reach every probability and every magnitude
    (closed-form ops, straight-through where an op has no useful gradient).
    The probability logit is the Bernoulli logit itself (the reference fed
    its sigmoid instead, pinning the probability between 0.5 and 0.73).
    Warps and the cutout fill with the mean colour (``mean``), which is 0
    after normalisation, as in the reference.

    It works on normalised batches (the data preprocessor's output): it
    undoes ``mean``/``std``, augments in [0, 1] and normalises again. It
    returns :class:`AugmentedImages`: the images, and the gates and affine
    matrices the call drew.

    Geometry: with ``geometry='residual'`` (the paper's, for
    classification) geometric ops join the residual sum like the others,
    so an image may blend two warps and no single matrix describes it. With
    ``geometry='compose'`` (detection and segmentation) the gated matrices
    ``I + g_i (A_i - I)`` of the picked geometric ops are composed and the
    colour-augmented image is warped once: the returned ``matrix``
    (B, 3, 3) is then exactly the map the image went through, for boxes and
    masks to follow; the gates and magnitudes still get gradients through
    the warp.

    Args:
        ops (Sequence[str], optional): Names from ``AUGMENT_OPS``. Defaults
            to all 14 operations of the paper.
        num_ops (int): Operations picked per call. Defaults to 4.
        temperature (float): Of the relaxed Bernoulli gates. Defaults to
            0.05.
        mean (Sequence[float]): The data preprocessor's mean (0-255 scale).
        std (Sequence[float]): The data preprocessor's std (0-255 scale).
        init_probability (float | dict): Initial apply probability, for all
            ops or per op name (a prior policy). Defaults to 0.5.
        init_magnitude (float | dict): Initial magnitude in (0, 1), for all
            ops or per op name. Defaults to 0.5.
        geometry (str): ``'residual'`` or ``'compose'`` (above). Defaults to
            ``'residual'``.
        gate (str): ``'batch'`` (one gate per op for the batch, the
            reference) or ``'sample'`` (one per sample). Defaults to
            ``'batch'``.
        signed (bool): Whether each sample draws the direction of every
            magnitude at random; the reference's magnitudes act in one
            direction. Defaults to False.
        cutout_size (float): Side of the cutout square as a fraction of the
            image's shorter side (the reference: the side, 1.0, on CIFAR and
            ImageNet). Defaults to 1.0.
    """

    GEOMETRY_MODES = ('residual', 'compose')
    GATE_MODES = ('batch', 'sample')

    def __init__(self,
                 ops: Optional[Sequence[str]] = None,
                 num_ops: int = 4,
                 temperature: float = 0.05,
                 mean: Sequence[float] = (123.675, 116.28, 103.53),
                 std: Sequence[float] = (58.395, 57.12, 57.375),
                 init_probability=0.5,
                 init_magnitude=0.5,
                 geometry: str = 'residual',
                 gate: str = 'batch',
                 signed: bool = False,
                 cutout_size: float = 1.0) -> None:
        super().__init__()
        if geometry not in self.GEOMETRY_MODES:
            raise ValueError(f'geometry: expected one of '
                             f'{self.GEOMETRY_MODES}, got {geometry!r}')
        if gate not in self.GATE_MODES:
            raise ValueError(f'gate: expected one of {self.GATE_MODES}, '
                             f'got {gate!r}')
        if not isinstance(signed, bool):
            raise ValueError(f'signed: expected a bool, got {signed!r}')
        if not 0 < cutout_size <= 1:
            raise ValueError(f'cutout_size: expected a fraction in (0, 1], '
                             f'got {cutout_size}')
        self.geometry = geometry
        self.gate = gate
        self.signed = signed
        self.cutout_size = cutout_size
        self.op_names: List[str] = list(ops or AUGMENT_OPS)
        unknown = [n for n in self.op_names if n not in AUGMENT_OPS]
        if unknown:
            raise ValueError(f'ops: unknown operation(s) {unknown}; expected '
                             f'names from {list(AUGMENT_OPS)}')
        if not 1 <= num_ops <= len(self.op_names):
            raise ValueError(f'num_ops: expected 1..{len(self.op_names)}, '
                             f'got {num_ops}')
        if not temperature > 0:
            raise ValueError(f'temperature: expected > 0, got {temperature}')
        self.num_ops = num_ops
        self.temperature = temperature
        self.magnitude_names = [
            n for n in self.op_names if AUGMENT_OPS[n].has_magnitude
        ]
        self.probability_logits = nn.Parameter(
            init_logits('init_probability', init_probability, self.op_names))
        self.magnitude_logits = nn.Parameter(
            init_logits('init_magnitude', init_magnitude,
                        self.magnitude_names))
        self.register_buffer(
            'mean',
            torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1),
            persistent=False)
        self.register_buffer(
            'std',
            torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1),
            persistent=False)

    @property
    def has_geometric_ops(self) -> bool:
        return any(AUGMENT_OPS[n].geometric for n in self.op_names)

    def magnitude(self, name: str) -> torch.Tensor:
        return torch.sigmoid(
            self.magnitude_logits[self.magnitude_names.index(name)])

    def forward(self,
                inputs: torch.Tensor,
                op_names: Optional[Sequence[str]] = None,
                image_hw: Optional[torch.Tensor] = None) -> AugmentedImages:
        """Augment a normalised batch.

        Args:
            inputs (Tensor): (B, 3, H, W), normalised with ``mean``/``std``.
            op_names (Sequence[str], optional): Apply these ops instead of
                ``num_ops`` random ones (for tests and visualisation).
            image_hw (Tensor, optional): (B, 2) heights and widths of the
                images in a padded batch (``geometry='compose'`` only):
                geometric ops act about each image's centre and scale with
                its size, and the padding is left as it was.

        Returns:
            AugmentedImages: The augmented batch, its matrices and gates.
        """
        if image_hw is not None and self.geometry != 'compose':
            raise ValueError("image_hw: padded batches need geometry="
                             "'compose'")
        # clamped: batches that do not come from [0, 1] images (and rounding
        # at 0) would leave the ops' domain
        x = ((inputs * self.std + self.mean) / 255.0).clamp(0, 1)
        fill = self.mean / 255.0
        shared = self.gate == 'batch'
        draws = 1 if shared else x.shape[0]
        if op_names is None:
            picked = torch.randperm(len(self.op_names))[:self.num_ops]
            op_names = [self.op_names[i] for i in picked.tolist()]
        batch = x.shape[0]
        affines: Dict[str, torch.Tensor] = {}
        gates: Dict[str, torch.Tensor] = {}
        compose = self.geometry == 'compose'
        hw = image_sizes(x) if image_hw is None else image_hw.to(x)
        eye = torch.eye(3, device=x.device, dtype=x.dtype).expand(batch, 3, 3)
        matrix = eye
        out = x
        for name in op_names:
            op = AUGMENT_OPS[name]
            index = self.op_names.index(name)
            gate = RelaxedBernoulli(
                torch.tensor(self.temperature, device=x.device),
                logits=self.probability_logits[index].expand(
                    draws)).rsample().expand(batch)
            magnitude = self.magnitude(name) if op.has_magnitude else \
                x.new_zeros(())
            sign = torch.randint(0, 2, (batch, ), device=x.device) * 2.0 - 1 \
                if self.signed else x.new_ones(batch)
            gates[name] = gate.detach()
            if compose and op.geometric:
                affine = op.matrix_fn(hw, magnitude, sign)
                matrix = (eye + gate.view(-1, 1, 1) * (affine - eye)) @ matrix
                affines[name] = affine.detach()
                continue
            fn = partial(op.fn, size=self.cutout_size) if name == 'Cutout' \
                else op.fn
            transformed, affine = fn(x, magnitude, sign, fill, shared)
            out = out + gate.view(-1, 1, 1, 1) * (transformed - x)
            if affine is not None:
                affines[name] = affine.detach()
        out = out.clamp(0, 1)
        if compose:
            out = warp(out, matrix, fill)
            if image_hw is not None:
                out = torch.where(_inside(hw, out.shape[-2:]), out, x)
        return AugmentedImages(
            images=(out * 255.0 - self.mean) / self.std,
            matrix=matrix.detach() if compose else None,
            gates=gates,
            affines=affines)
