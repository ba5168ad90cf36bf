# Copyright (c) tstkd_plugin contributors.
# isort: skip_file  (the plugin is imported first: its compatibility fixes
# must be in place before mmrazor loads)
"""Train a model or a distillation algorithm from a config (OpenMMLab style).

Example:
    python tools/train.py configs/baselines/mmpretrain/resnet18-w32_digits.py
    torchrun --nproc_per_node=2 tools/train.py CONFIG --launcher pytorch
"""
import argparse
import json
from typing import Optional

# Importing the plugin first applies its compatibility fixes before mmrazor
# loads, and registers its components.
import tstkd_plugin  # noqa: F401,I001
from mmengine.config import Config

from tstkd_plugin.apis import (AMP_DTYPES, add_launch_args, build_runner,
                               checkpoint_loading, close_process_group,
                               enable_amp, enable_channels_last,
                               enable_compile, enable_fused_optimizers,
                               load_cfg)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='If specify checkpoint path, resume from it, while if not '
        'specify, try to auto resume from the latest checkpoint '
        'in the work directory.')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training')
    parser.add_argument(
        '--amp-dtype',
        choices=AMP_DTYPES,
        default='auto',
        help='the half precision of --amp: auto is bfloat16 (no loss scale) '
        'unless the GPU has none, then float16 with a dynamic loss scale')
    parser.add_argument(
        '--channels-last',
        action='store_true',
        help='weights and images in the channels-last memory format '
        '(model.channels_last; faster convolutions on tensor cores)')
    parser.add_argument(
        '--fused-optim',
        action='store_true',
        help='fused optimizer steps (optimizer.fused=True on every '
        'optimizer: SGD, Adam, AdamW)')
    parser.add_argument(
        '--compile',
        nargs='?',
        const='inductor',
        metavar='BACKEND',
        help="torch.compile the training step (mmengine's compile; "
        'default backend: inductor)')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='enable automatically scaling LR.')
    parser.add_argument(
        '--out',
        help="write the last validation's metrics to this JSON file (the "
        'same keys as tools/test.py --out, plus the teacher\'s when a '
        'distillation validates both)')
    add_launch_args(parser)
    return parser.parse_args()


def build_cfg(args: argparse.Namespace) -> Config:
    cfg = load_cfg(args)
    if args.amp:
        enable_amp(cfg, args.amp_dtype)
    elif args.amp_dtype != 'auto':
        raise ValueError('--amp-dtype: given without --amp')
    if args.channels_last:
        enable_channels_last(cfg)
    if args.fused_optim:
        enable_fused_optimizers(cfg)
    if args.compile:
        enable_compile(cfg, args.compile)

    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or \
                'base_batch_size' not in cfg.auto_scale_lr:
            raise RuntimeError('--auto-scale-lr: the config has no '
                               'auto_scale_lr.base_batch_size')
        cfg.auto_scale_lr.enable = True

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


def main() -> None:
    args = parse_args()
    metrics = train(build_cfg(args), args)
    if metrics is not None:
        with open(args.out, 'w') as f:
            json.dump(metrics, f, indent=2)
    close_process_group()  # the runner is released: see its docstring


def train(cfg: Config, args: argparse.Namespace) -> Optional[dict]:
    """Train; the last validation's metrics on rank 0 with ``--out``."""
    with checkpoint_loading(args):
        runner = build_runner(cfg)
        runner.train()
    return last_val_metrics(runner) if args.out and runner.rank == 0 \
        else None


def last_val_metrics(runner) -> dict:
    """The metrics of the runner's last validation, which mmengine's
    RuntimeInfoHook keeps in the message hub as ``val/<metric>`` (next to
    IterTimerHook's ``val/time`` and ``val/data_time``, left out)."""
    metrics = {
        key[len('val/'):]: buffer.current()
        for key, buffer in runner.message_hub.log_scalars.items()
        if key.startswith('val/') and key not in ('val/time', 'val/data_time')
    }
    if not metrics:
        raise RuntimeError('--out: the training never validated; set '
                           'train_cfg.val_interval so that it does')
    return metrics


if __name__ == '__main__':
    main()
