# Copyright (c) tstkd_plugin contributors.
from .amp import enable_amp, optim_wrapper_cfgs
from .launch import (add_launch_args, add_trusted_checkpoints_arg,
                     build_runner, checkpoint_loading, close_process_group,
                     load_cfg)

__all__ = [
    'add_launch_args', 'add_trusted_checkpoints_arg', 'build_runner',
    'checkpoint_loading', 'close_process_group', 'enable_amp', 'load_cfg',
    'optim_wrapper_cfgs'
]
