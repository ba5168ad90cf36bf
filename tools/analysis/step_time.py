# Copyright (c) tstkd_plugin contributors.
# isort: skip_file  (the plugin is imported first: its compatibility fixes
# must be in place before mmrazor loads)
"""Measure the training-step time of configs on one batch, side by side.

Each config's model, optimizer wrapper and first training batch are built
once; then rounds of one ``train_step`` per config alternate, so that drift
of the machine affects all configs alike. It prints the median time per step
and its ratio to the first config. Teacher checkpoints are not loaded (the
weights do not change the cost).

Example:
    python tools/analysis/step_time.py \
        configs/baselines/mmpretrain/kd_logits_resnet18-w32_resnet18-w8_digits.py \
        configs/dist/mmpretrain/dist_logits_resnet18-w32_resnet18-w8_digits.py
"""  # noqa: E501
import argparse
import statistics
import time
from typing import List

import tstkd_plugin  # noqa: F401,I001  (compat fixes + registration)
import torch
from tstkd_plugin.benchmarking.train_steps import build, phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--steps', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    args = parser.parse_args()

    torch.manual_seed(0)
    runs, names = [], []
    for config in args.configs:
        model, optim_wrapper, batch = build(config)
        for kind in phases(model):
            runs.append((kind, optim_wrapper, batch))
            names.append(config + (f' ({kind.label})' if kind.label else ''))
    times: List[List[float]] = [[] for _ in runs]
    for step in range(args.warmup + args.steps):
        for i, (kind, optim_wrapper, batch) in enumerate(runs):
            kind.prepare()
            start = time.perf_counter()
            kind.step(batch, optim_wrapper)
            if step >= args.warmup:
                times[i].append(time.perf_counter() - start)
    base = statistics.median(times[0])
    print(f'| config | ms per step (median of {args.steps}) | ratio |')
    print('|---|---|---|')
    for name, t in zip(names, times):
        median = statistics.median(t)
        print(f'| {name} | {median * 1000:.1f} | {median / base:.2f} |')


if __name__ == '__main__':
    main()
