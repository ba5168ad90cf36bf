# Copyright (c) tstkd_plugin contributors.
from .sokd_optim_wrapper_constructor import SoKDOptimWrapperConstructor

__all__ = ['SoKDOptimWrapperConstructor']
