# Copyright (c) tstkd_plugin contributors.
"""Test (evaluate) a checkpoint with a config (OpenMMLab style).

Example:
    python tools/test.py CONFIG work_dirs/xxx/epoch_8.pth
"""
import argparse
import contextlib
import json
import os
import os.path as osp

import tstkd_plugin  # noqa: F401,I001  (compat fixes + registration)
from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from tstkd_plugin.compat import (cpu_model_wrapper_cfg, distributed_on_cpu,
                                 trusted_checkpoints)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs')
    parser.add_argument(
        '--out', help='write the metrics to this JSON file as well')
    parser.add_argument(
        '--trusted-checkpoints',
        action='store_true',
        help='load checkpoints with the full (code-executing) unpickler; '
        'only for legacy files whose origin you trust')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file.')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if distributed_on_cpu(args.launcher):
        cfg.model_wrapper_cfg = cpu_model_wrapper_cfg(
            cfg.get('model_wrapper_cfg'))

    checkpoint_loading = trusted_checkpoints() if args.trusted_checkpoints \
        else contextlib.nullcontext()
    with checkpoint_loading:
        runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg \
            else RUNNERS.build(cfg)
        metrics = runner.test()
    if args.out and runner.rank == 0:
        with open(args.out, 'w') as f:
            json.dump(metrics, f, indent=2, default=float)


if __name__ == '__main__':
    main()
