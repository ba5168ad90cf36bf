# Copyright (c) tstkd_plugin contributors.
from .tst_phase_hook import TSTPhaseHook

__all__ = ['TSTPhaseHook']
