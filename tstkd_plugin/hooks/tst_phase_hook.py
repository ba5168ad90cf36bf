# Copyright (c) tstkd_plugin contributors.
from mmengine.hooks import Hook

from ..registry import HOOKS


@HOOKS.register_module()
class TSTPhaseHook(Hook):
    """Replaced by TST's train loops; kept so that an old config fails with
    what to write instead.

    The augmenter phases are stages of ``TSTEpochBasedTrainLoop`` /
    ``TSTIterBasedTrainLoop`` (:mod:`tstkd_plugin.engine.tst_train_loops`),
    configured in ``train_cfg`` with the keys this hook took.

    Args:
        **kwargs: The old hook's arguments, named in the error.
    """

    def __init__(self, **kwargs) -> None:
        unit = 'Iter' if 'augment_iters' in kwargs else 'Epoch'
        keys = ', '.join(f'{k}={v!r}' for k, v in kwargs.items())
        raise ValueError(
            'custom_hooks: TSTPhaseHook is replaced by the train loop '
            f"train_cfg=dict(type='TST{unit}BasedTrainLoop', {keys}, ...) "
            'with the max_epochs/max_iters and val_interval you had (and '
            '_delete_=True where the base train_cfg has by_epoch); drop the '
            'hook from custom_hooks')
