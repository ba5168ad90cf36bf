# Copyright (c) tstkd_plugin contributors.
"""``tools/train.py``'s speed switches: channels-last memory format, fused
optimizer steps and ``torch.compile``; each is a config key, and each step
computes what the plain step computes (tests/test_throughput.py)."""
import inspect
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.utils import digit_version

from ..algorithms import CheckedSingleTeacherDistill
from ..registry import MODELS
from .amp import optim_wrapper_cfgs

# torch optimizers with a fused implementation (one kernel for the update
# of every parameter); others are refused by name
FUSED_OPTIMIZERS = ('SGD', 'Adam', 'AdamW')


def enable_channels_last(cfg: Config) -> None:
    """``--channels-last``: the distillation algorithm's
    ``channels_last=True`` (weights and images in the channels-last memory
    format).

    Raises:
        ValueError: The config's model is not one of the plugin's
            distillation algorithms, which offer the switch.
    """
    model_type = cfg.model.get('type', '')
    cls = MODELS.get(model_type) if isinstance(model_type, str) else None
    if cls is None or not issubclass(cls, CheckedSingleTeacherDistill):
        raise ValueError(
            f'--channels-last: model.type is {model_type!r}; the switch '
            "(model.channels_last) is the plugin's distillation algorithms'")
    cfg.model.channels_last = True


def enable_fused_optimizers(cfg: Config) -> None:
    """``--fused-optim``: ``fused=True`` on every optimizer of the config
    (torch's fused SGD/Adam/AdamW: one update kernel for all parameters).

    Raises:
        ValueError: An optimizer has no fused implementation in this torch,
            named by key.
    """
    for key, wrapper in optim_wrapper_cfgs(cfg):
        optimizer_type = wrapper.optimizer.get('type', '')
        if optimizer_type not in FUSED_OPTIMIZERS:
            raise ValueError(
                f'--fused-optim: {key}.optimizer.type is {optimizer_type!r}; '
                f'torch has a fused implementation of {FUSED_OPTIMIZERS}')
        if 'fused' not in inspect.signature(
                getattr(torch.optim, optimizer_type)).parameters:
            raise ValueError(
                f'--fused-optim: {key}.optimizer.type {optimizer_type!r} has '
                f'no fused implementation in torch {torch.__version__}')
        wrapper.optimizer.fused = True


# torch.compile traces the plugin's steps on torch 2.14 (tested); torch
# 2.1's dynamo fails on mmengine's data preprocessor
COMPILE_MIN_TORCH = '2.5.0'


def enable_compile(cfg: Config, backend: Optional[str] = None) -> None:
    """``--compile [BACKEND]``: mmengine's ``compile``, which wraps the
    model's ``train_step`` in ``torch.compile`` (graph breaks where the
    plugin's steps call the optimizers).

    Raises:
        ValueError: torch is older than :data:`COMPILE_MIN_TORCH`.
    """
    if digit_version(torch.__version__) < digit_version(COMPILE_MIN_TORCH):
        raise ValueError(
            f'--compile: torch {torch.__version__} cannot compile the '
            f'training step (torch >= {COMPILE_MIN_TORCH} can; tested on '
            '2.14)')
    cfg.compile = dict(backend=backend) if backend else True
