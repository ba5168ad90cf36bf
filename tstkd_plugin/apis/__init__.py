# Copyright (c) tstkd_plugin contributors.
from .amp import AMP_DTYPES, amp_dtype, enable_amp, optim_wrapper_cfgs
from .launch import (add_launch_args, add_trusted_checkpoints_arg,
                     build_runner, checkpoint_loading, close_process_group,
                     load_cfg)
from .throughput import (enable_channels_last, enable_compile,
                         enable_fused_optimizers)

__all__ = [
    'AMP_DTYPES', 'amp_dtype', 'add_launch_args',
    'add_trusted_checkpoints_arg', 'build_runner', 'checkpoint_loading',
    'close_process_group', 'enable_amp', 'load_cfg', 'enable_channels_last',
    'enable_compile', 'enable_fused_optimizers', 'optim_wrapper_cfgs'
]
