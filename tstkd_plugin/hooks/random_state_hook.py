# Copyright (c) tstkd_plugin contributors.
import random

import numpy as np
import torch
from mmengine.hooks import Hook

from ..registry import HOOKS


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Saves the random generators' states in checkpoints and restores them
    on resume, so that a resumed run draws what the uninterrupted run drew.

    mmengine's resume re-seeds but does not restore the generators: after a
    resume, data augmentation in the main process (``num_workers=0``), TST's
    op picks, signs and gates, and SoKD's sub-policy and gate samples would
    all differ from the run that was not interrupted. The states are stored
    as plain tensors and ints, which the restricted checkpoint loader reads.
    """

    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        version, mt_state, gauss = random.getstate()
        name, keys, pos, has_gauss, cached = np.random.get_state()
        checkpoint['random_state'] = dict(
            torch=torch.get_rng_state(),
            python=dict(version=version, state=list(mt_state), gauss=gauss),
            numpy=dict(
                name=name,
                keys=torch.from_numpy(keys.astype(np.int64)),
                pos=int(pos),
                has_gauss=int(has_gauss),
                cached=float(cached)))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('random_state')
        if state is None or not runner._resume:
            return  # only a resume continues the same random stream
        torch.set_rng_state(state['torch'])
        python = state['python']
        random.setstate(
            (python['version'], tuple(python['state']), python['gauss']))
        numpy = state['numpy']
        np.random.set_state(
            (numpy['name'], numpy['keys'].numpy().astype(np.uint32),
             numpy['pos'], numpy['has_gauss'], numpy['cached']))
