# Copyright (c) tstkd_plugin contributors.
from mmengine.model import is_model_wrapper
from torch import nn


def unwrap(module: nn.Module) -> nn.Module:
    """The module inside a (separate-)DDP wrapper, or the module itself."""
    return module.module if is_model_wrapper(module) else module


def check_optim_wrapper_dict(optim_wrapper, keys, algorithm: str,
                             constructor: str) -> None:
    """Raise, naming ``optim_wrapper``, unless it is an ``OptimWrapperDict``
    with exactly ``keys`` (algorithms with one optimizer per part)."""
    from mmengine.optim import OptimWrapperDict
    if isinstance(optim_wrapper, OptimWrapperDict) and \
            set(optim_wrapper.keys()) == set(keys):
        return
    got = list(optim_wrapper.keys()) if isinstance(
        optim_wrapper, OptimWrapperDict) else type(optim_wrapper)
    raise ValueError(
        f'optim_wrapper: {algorithm} needs an optimizer-wrapper dict with '
        f"the keys {list(keys)} (constructor '{constructor}'); got {got}.")
