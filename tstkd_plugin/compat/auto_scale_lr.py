# Copyright (c) tstkd_plugin contributors.
"""``auto_scale_lr`` that leaves an algorithm's augmentation optimizers alone.

mmengine's ``Runner.scale_lr`` multiplies every wrapper of an optimizer
dict by ``world_size x train_dataloader.batch_size / base_batch_size``. The
plugin's configs state ``base_batch_size`` in originals per step (TST's
loader yields the originals, the student sees twice as many), so the ratio
is right for the student; but TST's augmenter and SoKD's policy keep one
learning rate in the reference at every batch size it trains (TST: SGD 0.01
from 64 CIFAR originals to 16 COCO ones; SoKD: Adam 3e-4), so an algorithm
names them in ``fixed_lr_optimizers`` and they are not scaled.
"""
import functools

from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict

_PATCH_MARK = '_tstkd_fixed_lr'


def fixed_lr_keys(model) -> tuple:
    """The optimizer keys ``model`` keeps out of ``auto_scale_lr``."""
    if is_model_wrapper(model):
        model = model.module
    return tuple(getattr(model, 'fixed_lr_optimizers', ()))


def patch_auto_scale_lr() -> None:
    """Wrap ``Runner.scale_lr`` as described above; safe to call twice."""
    from mmengine.runner import Runner
    original = Runner.scale_lr
    if getattr(original, _PATCH_MARK, False):
        return

    @functools.wraps(original)
    def scale_lr(self, optim_wrapper, auto_scale_lr=None) -> None:
        fixed = fixed_lr_keys(self.model)
        enabled = auto_scale_lr is not None and auto_scale_lr.get(
            'enable', False)
        if enabled and fixed and isinstance(optim_wrapper, OptimWrapperDict):
            self.logger.info(f'auto_scale_lr: {", ".join(fixed)} keep their '
                             'learning rate')
            optim_wrapper = OptimWrapperDict(
                **{
                    key: wrapper
                    for key, wrapper in optim_wrapper.items()
                    if key not in fixed
                })
        return original(self, optim_wrapper, auto_scale_lr)

    setattr(scale_lr, _PATCH_MARK, True)
    Runner.scale_lr = scale_lr
