# Copyright (c) tstkd_plugin contributors.
from mmengine.model import is_model_wrapper
from torch import nn


def unwrap(module: nn.Module) -> nn.Module:
    """The module inside a (separate-)DDP wrapper, or the module itself."""
    return module.module if is_model_wrapper(module) else module
