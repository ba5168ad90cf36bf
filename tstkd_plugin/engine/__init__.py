# Copyright (c) tstkd_plugin contributors.
from .distill_val_loop import DistillValLoop
from .sokd_optim_wrapper_constructor import SoKDOptimWrapperConstructor

__all__ = ['DistillValLoop', 'SoKDOptimWrapperConstructor']
