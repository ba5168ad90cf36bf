# Copyright (c) tstkd_plugin contributors.
from .launch import add_launch_args, build_runner, checkpoint_loading, load_cfg

__all__ = ['add_launch_args', 'build_runner', 'checkpoint_loading', 'load_cfg']
