# Copyright (c) tstkd_plugin contributors.
"""The plugin's own computations in float32 while the networks run in AMP.

Under mixed precision the networks compute in float16 or bfloat16; what the
plugin computes itself (distillation losses, TST's augmenter step, SoKD's
refinement of the teacher's features) is small next to them and is where a
half-precision range or rounding would turn a finite step into NaN: sums of
squares over a feature map pass float16's 65504, and a student whose
activations grew past it makes the augmenter's objective NaN. These helpers
cast half-precision tensors to float32 and turn autocast off around such
code; outside AMP they change nothing.
"""
import contextlib
from typing import Any, Dict, Iterator, Tuple

import torch
from torch import nn

HALF_DTYPES = (torch.float16, torch.bfloat16)


def to_float32(value: Any) -> Any:
    """``value`` with every half-precision tensor in it (also inside lists,
    tuples and dicts) cast to float32; everything else as it is."""
    if torch.is_tensor(value):
        return value.float() if value.dtype in HALF_DTYPES else value
    if isinstance(value, (list, tuple)) and not hasattr(value, '_fields'):
        return type(value)(to_float32(v) for v in value)
    if isinstance(value, dict):
        return type(value)((k, to_float32(v)) for k, v in value.items())
    return value


def _autocast_enabled(device_type: str) -> bool:
    try:  # torch >= 2.4
        return torch.is_autocast_enabled(device_type)
    except TypeError:  # torch 2.1: one function per device type
        return torch.is_autocast_cpu_enabled() if device_type == 'cpu' \
            else torch.is_autocast_enabled()


@contextlib.contextmanager
def autocast_off() -> Iterator[None]:
    """Autocast off inside, on every device type where it is on."""
    with contextlib.ExitStack() as stack:
        for device_type in ('cpu', 'cuda'):
            if _autocast_enabled(device_type):
                stack.enter_context(
                    torch.autocast(device_type=device_type, enabled=False))
        yield


def float32_inputs_hook(module: nn.Module, args: Tuple,
                        kwargs: Dict) -> Tuple[Tuple, Dict]:
    """A forward pre-hook (``with_kwargs=True``) that casts the inputs of a
    loss module to float32: its element-wise arithmetic then runs in
    float32 under autocast too."""
    return to_float32(args), to_float32(kwargs)


def compute_losses_in_float32(losses: nn.ModuleDict) -> None:
    """Cast the inputs of every loss module of a distiller's
    ``distill_losses`` (mmrazor's and the plugin's) to float32 before its
    forward."""
    for loss in losses.values():
        loss.register_forward_pre_hook(float32_inputs_hook, with_kwargs=True)
