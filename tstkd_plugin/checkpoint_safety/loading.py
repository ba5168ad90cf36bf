# Copyright (c) tstkd_plugin contributors.
"""One restricted way to load checkpoints, whatever torch's default is.

A checkpoint is untrusted input. torch < 2.6 unpickles anything by default
(``weights_only=False``), torch >= 2.6 refuses what mmengine itself saves
(numpy scalars, ``HistoryBuffer``). :func:`load_checkpoint_file` loads with
:mod:`.restricted_pickle` on every torch: the same allow-list everywhere, and
an error that names the file and the opt-out.

Every checkpoint mmengine loads goes through its ``CheckpointLoader``
(teacher weights, ``load_from``, ``--resume``, ``init_cfg`` pretrained
weights, every URL scheme); ``tstkd_plugin.compat.patch_checkpoint_loader``
makes its loaders' ``torch.load`` calls this function. The export tool calls it
directly. A plain ``torch.load`` in your own code stays torch's: on
torch >= 2.6 the same allow-list is registered with torch for it
(``tstkd_plugin.compat.allow_safe_checkpoint_globals``).

The only way to the full (code-running) unpickler is explicit:
:func:`trusted_checkpoints`, or ``--trusted-checkpoints`` in the train and
test tools, meant for legacy files whose origin you trust.
"""
import contextlib
import os
import pickle
import threading
import warnings
from typing import Any, Iterator, List, Optional, Tuple

import torch
from mmengine.utils import digit_version

from . import restricted_pickle
from .restricted_pickle import OPT_OUT, ForbiddenGlobal

FORCE_FULL_UNPICKLER_ENV = 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'
FORCE_WEIGHTS_ONLY_ENV = 'TORCH_FORCE_WEIGHTS_ONLY_LOAD'
_state = threading.local()


class CheckpointLoadError(RuntimeError):
    """A checkpoint that cannot be loaded, with the file and the cause.

    Args:
        source (str): The file or URL that was loaded.
        reason (str): Why it failed, as a predicate ("is damaged ...").
        refused (bool): Whether the restricted unpickler refused a global
            (the reason then ends with the opt-out).
        key (str, optional): The config key or flag that named the file.
    """

    def __init__(self,
                 source: str,
                 reason: str,
                 refused: bool = False,
                 key: Optional[str] = None):
        self.source, self.reason = source, reason
        self.refused, self.key = refused, key
        super().__init__((f'{key}: ' if key else '') + f'{source!r} {reason}')

    def with_key(self, key: str) -> 'CheckpointLoadError':
        """The same error, naming the config key that gave the file."""
        return CheckpointLoadError(self.source, self.reason, self.refused, key)


def checkpoints_trusted() -> bool:
    """Whether this thread is inside :func:`trusted_checkpoints`."""
    return getattr(_state, 'trusted', 0) > 0


@contextlib.contextmanager
def trusted_checkpoints() -> Iterator[None]:
    """Load checkpoints with the full unpickler inside this context.

    Only for files whose origin you trust: a pickle can run arbitrary code.
    It also sets torch's own switch for ``torch.load`` calls that do not pass
    ``weights_only``.
    """
    warnings.warn(
        'Loading checkpoints with the full unpickler (weights_only=False): '
        'a checkpoint from an untrusted source can run code on this machine.')
    old = os.environ.get(FORCE_FULL_UNPICKLER_ENV)
    os.environ[FORCE_FULL_UNPICKLER_ENV] = '1'
    _state.trusted = getattr(_state, 'trusted', 0) + 1
    try:
        yield
    finally:
        _state.trusted -= 1
        if old is None:
            os.environ.pop(FORCE_FULL_UNPICKLER_ENV, None)
        else:
            os.environ[FORCE_FULL_UNPICKLER_ENV] = old


def _describe(f: Any) -> str:
    if isinstance(f, (str, os.PathLike)):
        return os.fspath(f)
    return getattr(f, 'name', None) or f'<{type(f).__name__}>'


def load_checkpoint_file(f: Any, map_location: Any = None, **kwargs) -> Any:
    """``torch.load`` with the restricted unpickler (or the full one inside
    :func:`trusted_checkpoints`).

    Args:
        f: A path or a file-like object, as for ``torch.load``.
        map_location: As for ``torch.load``.
        **kwargs: Other ``torch.load`` arguments; ``weights_only`` and
            ``pickle_module`` are decided here and ignored.

    Raises:
        CheckpointLoadError: The file is missing, damaged (truncated, not a
            checkpoint) or asks for a global that is not allowed; the message
            names the file and, for a refused global, the opt-out.
    """
    kwargs.pop('weights_only', None)
    kwargs.pop('pickle_module', None)
    source = _describe(f)
    try:
        if checkpoints_trusted():
            return torch.serialization.load(
                f, map_location=map_location, weights_only=False, **kwargs)
        if os.environ.get(FORCE_WEIGHTS_ONLY_ENV,
                          '0').lower() in ('1', 'y', 'yes', 'true'):
            # torch then refuses any pickle module; its weights-only loader
            # has the same allow-list (allow_safe_checkpoint_globals).
            return torch.serialization.load(
                f, map_location=map_location, **kwargs)
        return torch.serialization.load(
            f,
            map_location=map_location,
            pickle_module=restricted_pickle,
            weights_only=False,
            **kwargs)
    except pickle.UnpicklingError as e:
        # refused by our unpickler (or torch's, where torch is forced to
        # weights-only), or plain garbage that pickle cannot read
        if not isinstance(e, ForbiddenGlobal) and \
                'Weights only load failed' not in str(e):
            raise CheckpointLoadError(source, _damaged(e)) from e
        message = str(e)
        if OPT_OUT not in message:
            message = f'{message}. {OPT_OUT}'
        raise CheckpointLoadError(
            source, f'was refused: {message}', refused=True) from None
    except FileNotFoundError:
        raise CheckpointLoadError(source, 'does not exist') from None
    except Exception as e:  # truncated zip, not a checkpoint, ...
        raise CheckpointLoadError(source, _damaged(e)) from e


def _damaged(error: Exception) -> str:
    return ('is damaged or not a torch checkpoint (a partial copy, a full '
            f'disk?): {type(error).__name__}: {error}')


def safe_checkpoint_globals() -> List[Tuple[Any, str]]:
    """The allow-list beyond torch's own, in ``add_safe_globals`` form."""
    from torch._weights_only_unpickler import _get_allowed_globals
    torch_own = _get_allowed_globals()
    return [(obj, key)
            for key, obj in restricted_pickle.allowed_globals().items()
            if key not in torch_own]


def needs_checkpoint_allowlist() -> bool:
    """Whether ``torch.load`` defaults to torch's restricted unpickler."""
    return digit_version(torch.__version__) >= digit_version('2.6.0')
