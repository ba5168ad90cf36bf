# Copyright (c) tstkd_plugin contributors.
"""What tools/train.py and tools/test.py share: flags, config, runner."""
import argparse
import contextlib
import gc
import os
import os.path as osp
from typing import ContextManager

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from ..checkpoint_safety import trusted_checkpoints
from ..compat import cpu_model_wrapper_cfg, distributed_on_cpu


def add_trusted_checkpoints_arg(parser: argparse.ArgumentParser) -> None:
    """``--trusted-checkpoints``, of every tool that loads a checkpoint
    (read with :func:`checkpoint_loading`)."""
    parser.add_argument(
        '--trusted-checkpoints',
        action='store_true',
        help='load checkpoints with the full (code-executing) unpickler; '
        'only for legacy files whose origin you trust')


def add_launch_args(parser: argparse.ArgumentParser) -> None:
    """The flags OpenMMLab users know, shared by the train and test tools."""
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    add_trusted_checkpoints_arg(parser)
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file. If the value to '
        'be overwritten is a list, it should be like key="[a,b]" or key=a,b '
        'It also allows nested list/tuple values, e.g. key="[(a,b),(c,d)]" '
        'Note that the quotation marks are necessary and that no white space '
        'is allowed.')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torchrun passes --local-rank; older launchers pass --local_rank.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_cfg(args: argparse.Namespace) -> Config:
    """The config of ``args.config`` with the shared flags applied.

    The work dir is, in order: ``--work-dir``, the config's, or
    ``./work_dirs/<config name>``. On CPU with a launcher, DDP gets
    ``device_ids=None``.
    """
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if distributed_on_cpu(args.launcher):
        cfg.model_wrapper_cfg = cpu_model_wrapper_cfg(
            cfg.get('model_wrapper_cfg'))
    return cfg


def checkpoint_loading(args: argparse.Namespace) -> ContextManager:
    """The full unpickler only with ``--trusted-checkpoints``."""
    return trusted_checkpoints() if args.trusted_checkpoints \
        else contextlib.nullcontext()


def close_process_group() -> None:
    """Destroy the default process group, if any, before the tool exits.

    Call it after the runner is released: its DDP wrapper holds the group,
    and a gloo group still alive at the interpreter's exit has its threads
    destroyed while they run ("terminate called without an active
    exception", exit code -6; 2 of 40 two-process CPU runs on torch 2.14).
    The collection frees the wrapper's reference cycles first, so that the
    group's threads are joined here.
    """
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        gc.collect()
        dist.destroy_process_group()


def build_runner(cfg: Config) -> Runner:
    """mmengine's Runner, or the config's own ``runner_type``."""
    return Runner.from_cfg(cfg) if 'runner_type' not in cfg \
        else RUNNERS.build(cfg)
