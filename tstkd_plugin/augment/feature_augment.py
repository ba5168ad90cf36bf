# Copyright (c) tstkd_plugin contributors.
import itertools
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import RelaxedBernoulli

from ..registry import MODELS
from .feature_ops import FEATURE_OPS
from .learnable_augment import LearnedPolicy, init_logits


@MODELS.register_module()
class FeatureAugment(LearnedPolicy, nn.Module):
    """SoKD's learnable augmentation of teacher feature maps.

    A sub-policy is a sequence of ops (by default every pair of distinct
    ops). Each call samples one sub-policy for the batch with the
    straight-through Gumbel-softmax of ``subpolicy_logits``; each of its ops
    ``i`` is applied to a sample when a Bernoulli draw with probability
    ``sigmoid(probability_logits[i])`` says so (a hard decision in the
    forward pass, the relaxed Bernoulli's gradient in the backward), with
    magnitude ``sigmoid(magnitude_logits[i])`` scaled to the op's range (see
    ``magnitude_mapping`` for the direction of the geometric ops). The
    output is ``x + w_k (A_k(x) - x)`` where ``A_k`` is the sampled
    sub-policy and ``w_k`` its straight-through weight (1 in the forward
    pass): the sub-policy logits get the gradient of the change
    ``A_k(x) - x`` the sampled sub-policy made. Magnitudes get the op's own
    gradient where it is differentiable and a straight-through one otherwise
    (``feature_ops``).

    Args:
        ops (Sequence[str], optional): Names from ``FEATURE_OPS``. Defaults
            to all nine.
        sub_policies (Sequence[Sequence[str]], optional): The sub-policies,
            each a sequence of op names from ``ops``. Defaults to every pair
            of distinct ops (36 for nine ops).
        temperature (float): Of the Gumbel-softmax and the relaxed Bernoulli
            gates. Defaults to 0.5.
        init_probability (float | dict): Initial apply probability, for all
            ops or per op name. Defaults to 0.5.
        init_magnitude (float | dict): Initial magnitude in (0, 1), for all
            ops or per op name. Defaults to 0.5.
        magnitude_mapping (str): How a magnitude ``m`` drives the geometric
            (signed) ops, shear, translate and rotate. ``'random_sign'``:
            ``m`` times the op's range, with a random sign per sample, so
            ``m = 0.5`` is a half-range warp either way. ``'symmetric'``
            (the reference's): ``(2m - 1)`` times the range, one learned
            direction for the batch, so ``m = 0.5`` is the identity. The
            other ops use ``m`` times their range in both. Defaults to
            ``'random_sign'`` (the demo's measured setting).
    """

    MAGNITUDE_MAPPINGS = ('random_sign', 'symmetric')

    def __init__(self,
                 ops: Optional[Sequence[str]] = None,
                 sub_policies: Optional[Sequence[Sequence[str]]] = None,
                 temperature: float = 0.5,
                 init_probability=0.5,
                 init_magnitude=0.5,
                 magnitude_mapping: str = 'random_sign') -> None:
        super().__init__()
        if magnitude_mapping not in self.MAGNITUDE_MAPPINGS:
            raise ValueError(
                f'magnitude_mapping: expected one of '
                f'{self.MAGNITUDE_MAPPINGS}, got {magnitude_mapping!r}')
        self.magnitude_mapping = magnitude_mapping
        self.op_names: List[str] = list(ops or FEATURE_OPS)
        unknown = [n for n in self.op_names if n not in FEATURE_OPS]
        if unknown:
            raise ValueError(f'ops: unknown operation(s) {unknown}; expected '
                             f'names from {list(FEATURE_OPS)}')
        if sub_policies is None:
            sub_policies = list(itertools.combinations(self.op_names, 2)) \
                if len(self.op_names) > 1 else [tuple(self.op_names)]
        self.sub_policies = [tuple(p) for p in sub_policies]
        for policy in self.sub_policies:
            outside = [n for n in policy if n not in self.op_names]
            if not policy or outside:
                raise ValueError(
                    f'sub_policies: each must be a non-empty sequence of '
                    f'names from ops {self.op_names}; got {list(policy)}')
        if not temperature > 0:
            raise ValueError(f'temperature: expected > 0, got {temperature}')
        self.temperature = temperature
        self.magnitude_names = [
            n for n in self.op_names if FEATURE_OPS[n].has_magnitude
        ]
        self.subpolicy_logits = nn.Parameter(
            torch.zeros(len(self.sub_policies)))
        self.probability_logits = nn.Parameter(
            init_logits('init_probability', init_probability, self.op_names))
        self.magnitude_logits = nn.Parameter(
            init_logits('init_magnitude', init_magnitude,
                        self.magnitude_names))

    @property
    def subpolicy_probabilities(self) -> Dict[str, float]:
        p = self.subpolicy_logits.softmax(0).tolist()
        return {'+'.join(k): v for k, v in zip(self.sub_policies, p)}

    def _gate(self, index: int, batch: int,
              like: torch.Tensor) -> torch.Tensor:
        soft = RelaxedBernoulli(
            torch.tensor(self.temperature, device=like.device),
            logits=self.probability_logits[index].expand(batch)).rsample()
        hard = (soft > 0.5).to(like.dtype)
        return (hard + soft - soft.detach()).to(like.dtype).view(-1, 1, 1, 1)

    def forward(self,
                x: torch.Tensor,
                subpolicy: Optional[int] = None,
                bypass: bool = False) -> torch.Tensor:
        """Augment features (B, C, H, W).

        Args:
            x (Tensor): The features.
            subpolicy (int, optional): Use this sub-policy instead of a
                sampled one (tests and visualisation); its weight is then 1.
            bypass (bool): Return ``x`` as it is, nothing sampled (SoKD's
                un-augmented teacher features). Defaults to False.
        """
        if bypass:
            return x
        if subpolicy is None:
            weights = F.gumbel_softmax(
                self.subpolicy_logits, tau=self.temperature, hard=True)
            subpolicy = int(weights.argmax())
            weight = weights[subpolicy]
        else:
            weight = x.new_ones(())
        batch = x.shape[0]
        out = x
        for name in self.sub_policies[subpolicy]:
            op = FEATURE_OPS[name]
            magnitude = torch.sigmoid(self.magnitude_logits[
                self.magnitude_names.index(name)]) if op.has_magnitude \
                else x.new_zeros(())
            if op.geometric and self.magnitude_mapping == 'symmetric':
                # the ops take |value| * sign; a signed value with sign 1
                magnitude = 2 * magnitude - 1
                sign = x.new_ones(batch)
            else:
                sign = torch.randint(
                    0, 2, (batch, ), device=x.device) * 2.0 - 1
            transformed, _ = op.fn(out, magnitude.to(x.dtype), sign.to(x))
            gate = self._gate(self.op_names.index(name), batch, x)
            out = out + gate * (transformed - out)
        return x + weight.to(x.dtype) * (out - x)
