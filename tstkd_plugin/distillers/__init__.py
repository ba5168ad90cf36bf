# Copyright (c) tstkd_plugin contributors.
from .sokd_distiller import SoKDDistiller

__all__ = ['SoKDDistiller']
