# Copyright (c) tstkd_plugin contributors.
# isort: skip_file  (the plugin is imported first: its compatibility fixes
# must be in place before mmrazor loads)
"""Test (evaluate) a checkpoint with a config (OpenMMLab style).

Example:
    python tools/test.py CONFIG work_dirs/xxx/epoch_8.pth --out metrics.json
"""
import argparse
import json
from typing import Tuple

import tstkd_plugin  # noqa: F401,I001  (compat fixes + registration)

from tstkd_plugin.apis import (add_launch_args, build_runner,
                               checkpoint_loading, close_process_group,
                               load_cfg)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out', help='write the metrics to this JSON file as well')
    add_launch_args(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    metrics, rank = test(args)
    if args.out and rank == 0:
        with open(args.out, 'w') as f:
            json.dump(metrics, f, indent=2, default=float)
    close_process_group()  # the runner is released: see its docstring


def test(args: argparse.Namespace) -> Tuple[dict, int]:
    """The metrics of the checkpoint, and this process's rank."""
    cfg = load_cfg(args)
    cfg.load_from = args.checkpoint
    with checkpoint_loading(args):
        runner = build_runner(cfg)
        return runner.test(), runner.rank


if __name__ == '__main__':
    main()
