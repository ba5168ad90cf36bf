# Copyright (c) tstkd_plugin contributors.
"""Checkpoints as untrusted input, on every supported torch.

:func:`load_checkpoint_file` unpickles with :mod:`.restricted_pickle` (one
allow-list everywhere) and names the file and the opt-out when it refuses;
:func:`trusted_checkpoints` is the one way to the full unpickler. mmengine's
and torch's own loading are routed here by patches of
:mod:`tstkd_plugin.compat` (``checkpoint_loader``).
"""
from . import restricted_pickle
from .loading import (FORCE_FULL_UNPICKLER_ENV, FORCE_WEIGHTS_ONLY_ENV,
                      CheckpointLoadError, checkpoints_trusted,
                      load_checkpoint_file, needs_checkpoint_allowlist,
                      safe_checkpoint_globals, trusted_checkpoints)
from .restricted_pickle import history_buffer_getattr

__all__ = [
    'CheckpointLoadError', 'FORCE_FULL_UNPICKLER_ENV',
    'FORCE_WEIGHTS_ONLY_ENV', 'checkpoints_trusted', 'history_buffer_getattr',
    'load_checkpoint_file', 'needs_checkpoint_allowlist', 'restricted_pickle',
    'safe_checkpoint_globals', 'trusted_checkpoints'
]
