# Copyright (c) tstkd_plugin contributors.
from .distill_val_loop import DistillValLoop
from .float32 import autocast_off, compute_losses_in_float32, to_float32
from .one_scaler_step import step_on_one_backward
from .sokd_optim_wrapper_constructor import SoKDOptimWrapperConstructor
from .tst_train_loops import TSTEpochBasedTrainLoop, TSTIterBasedTrainLoop

__all__ = [
    'DistillValLoop', 'SoKDOptimWrapperConstructor', 'TSTEpochBasedTrainLoop',
    'TSTIterBasedTrainLoop', 'step_on_one_backward', 'autocast_off',
    'compute_losses_in_float32', 'to_float32'
]
