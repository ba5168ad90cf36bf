# Copyright (c) tstkd_plugin contributors.
"""mmengine's and torch's checkpoint loading routed through
:mod:`tstkd_plugin.checkpoint_safety` (the upstream side of the
restricted loading; the loading itself is that package)."""
import contextlib
import functools
from typing import Any, Callable, Iterator, Optional

import torch

from ..checkpoint_safety import (load_checkpoint_file,
                                 needs_checkpoint_allowlist,
                                 safe_checkpoint_globals)

_PATCH_MARK = '_tstkd_restricted'


def _restricted_torch_load(f: Any,
                           map_location: Any = None,
                           *args,
                           **kwargs) -> Any:
    # torch.load's third positional argument is pickle_module
    return load_checkpoint_file(f, map_location, **kwargs)


@contextlib.contextmanager
def _torch_load_restricted() -> Iterator[None]:
    """Inside, ``torch.load`` is :func:`load_checkpoint_file`: mmengine's
    loaders (and ``torch.hub``, which passes ``weights_only=False`` for URLs)
    look ``torch.load`` up when they call it."""
    original = torch.load
    if getattr(original, _PATCH_MARK, False):
        yield
        return
    torch.load = _restricted_torch_load
    try:
        yield
    finally:
        torch.load = original


setattr(_restricted_torch_load, _PATCH_MARK, True)


def patch_checkpoint_loader() -> None:
    """Route every mmengine checkpoint load through the restricted path."""
    from mmengine.runner.checkpoint import CheckpointLoader
    original: Callable = CheckpointLoader.load_checkpoint.__func__
    if getattr(original, _PATCH_MARK, False):
        return

    @functools.wraps(original)
    def load_checkpoint(cls,
                        filename: str,
                        map_location: Any = None,
                        logger: Optional[str] = 'current') -> Any:
        with _torch_load_restricted():
            return original(cls, filename, map_location, logger)

    setattr(load_checkpoint, _PATCH_MARK, True)
    CheckpointLoader.load_checkpoint = classmethod(load_checkpoint)


def allow_safe_checkpoint_globals() -> bool:
    """Register the allow-list with torch's own weights-only loader, so that
    a plain ``torch.load`` of an mmengine checkpoint works on torch >= 2.6.

    Returns:
        bool: Whether anything was done (not on torch < 2.6).
    """
    if not needs_checkpoint_allowlist():
        return False
    torch.serialization.add_safe_globals(safe_checkpoint_globals())
    return True
