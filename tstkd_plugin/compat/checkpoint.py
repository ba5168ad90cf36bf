# Copyright (c) tstkd_plugin contributors.
"""Load mmengine checkpoints on torch >= 2.6 without giving up ``weights_only``.

torch 2.6 made ``torch.load(weights_only=True)`` the default. mmengine 0.10.7
calls ``torch.load`` without the argument, so teacher checkpoints and
``--resume`` then fail on what mmengine itself saves (numpy arrays and scalars
in the message hub, ``HistoryBuffer``). A checkpoint is untrusted input, so the
restricted unpickler stays on and only these safe types are allow-listed:

- numpy arrays, dtypes and scalars (reconstructed from raw bytes, no code);
- mmengine's ``HistoryBuffer`` (plain data attributes);
- ``getattr`` **only** as ``getattr(HistoryBuffer, <statistics method>)``,
  which is how ``HistoryBuffer`` pickles its statistics methods. A general
  ``getattr`` would re-open code execution (attribute chains reach module
  globals), so the pickle's ``builtins.getattr`` is mapped to
  :func:`history_buffer_getattr`, which refuses everything else.

The only way to load a checkpoint with the full (code-executing) unpickler is
explicit: :func:`trusted_checkpoints`, or ``--trusted-checkpoints`` in the train
and test tools, meant for legacy files whose origin you trust.
"""
import contextlib
import os
import pickle
import warnings
from typing import Any, Iterator, List

import torch
from mmengine.utils import digit_version

FORCE_FULL_UNPICKLER_ENV = 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'


def history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` restricted to ``HistoryBuffer``'s statistics methods.

    Args:
        obj: The object the pickle asks an attribute of.
        name (str): The attribute name.
    """
    from mmengine.logging import HistoryBuffer
    allowed = set(HistoryBuffer._statistics_methods) | {
        'min', 'max', 'mean', 'current'
    }
    if obj is HistoryBuffer and isinstance(name, str) and name in allowed:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({obj!r}, {name!r}); only '
        f'getattr(HistoryBuffer, <statistics method>) is allowed when loading '
        'with weights_only=True. If you trust this file, load it inside '
        'tstkd_plugin.compat.trusted_checkpoints() or pass '
        '--trusted-checkpoints to the train/test tool.')


def safe_checkpoint_globals() -> List[Any]:
    """The globals allow-listed for mmengine checkpoints."""
    import numpy as np
    from mmengine.logging import HistoryBuffer
    from numpy.core.multiarray import _reconstruct, scalar
    safe = [
        np.ndarray, np.dtype, _reconstruct, scalar, HistoryBuffer,
        (history_buffer_getattr, 'builtins.getattr')
    ]
    # numpy >= 1.25 pickles a dtype by its class, e.g. numpy.dtypes.Float64DType
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        safe += [
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType')
        ]
    return safe


def needs_checkpoint_allowlist() -> bool:
    """Whether ``torch.load`` defaults to the restricted unpickler."""
    return digit_version(torch.__version__) >= digit_version('2.6.0')


def allow_safe_checkpoint_globals() -> bool:
    """Allow-list the safe types mmengine checkpoints hold.

    Returns:
        bool: Whether anything was done (not on torch < 2.6).
    """
    if not needs_checkpoint_allowlist():
        return False
    torch.serialization.add_safe_globals(safe_checkpoint_globals())
    return True


@contextlib.contextmanager
def trusted_checkpoints() -> Iterator[None]:
    """Load checkpoints with the full unpickler inside this context.

    Only for files whose origin you trust: a pickle can run arbitrary code.
    It uses torch's own switch for loads that do not pass ``weights_only``.
    """
    warnings.warn(
        'Loading checkpoints with the full unpickler (weights_only=False): '
        'a checkpoint from an untrusted source can run code on this machine.')
    old = os.environ.get(FORCE_FULL_UNPICKLER_ENV)
    os.environ[FORCE_FULL_UNPICKLER_ENV] = '1'
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(FORCE_FULL_UNPICKLER_ENV, None)
        else:
            os.environ[FORCE_FULL_UNPICKLER_ENV] = old
