# Copyright (c) tstkd_plugin contributors.
from .random_state_hook import RandomStateHook
from .tst_phase_hook import TSTPhaseHook

__all__ = ['RandomStateHook', 'TSTPhaseHook']
