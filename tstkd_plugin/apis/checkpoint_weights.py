# Copyright (c) tstkd_plugin contributors.
"""The weights of one part of an algorithm's checkpoint (its teacher, its
student, TST's augmenter), for the tools that load parts apart."""
from typing import Dict

import torch
from mmengine.runner.checkpoint import _load_checkpoint


def load_state(path: str) -> Dict[str, torch.Tensor]:
    """The state dict of a checkpoint file (mmengine's loader: restricted
    unpickling, URLs)."""
    state = _load_checkpoint(path, map_location='cpu')
    return state.get('state_dict', state)


def weights_under(state: Dict[str, torch.Tensor], prefix: str, path: str,
                  what: str) -> Dict[str, torch.Tensor]:
    """The tensors of ``state`` under ``prefix``, without it.

    Raises:
        KeyError: none is under ``prefix``; the message names ``path`` and
            ``what`` the checkpoint was expected to be.
    """
    own = {
        k[len(prefix):]: v
        for k, v in state.items() if k.startswith(prefix)
    }
    if not own:
        raise KeyError(f'{path} has no {prefix}* weights; expected {what}')
    return own
