# Copyright (c) tstkd_plugin contributors.
"""Why a method does or does not beat KD on the demo data: ablations.

Each ablation trains the students of one task with the benchmark's configs
and one change (config overrides for the students only: data size,
learning rate, or only more seeds), against the teachers of a benchmark
work dir, and prints each method's metric and its difference to KD's under
the same change.

- ``cls-10pct-data``: the students see a stratified 10 % of the training
  digits (each repeated 10 times, so epochs and schedules keep their
  length); the teacher is the full-data one.
- ``cls-10pct-hosts``: FitNet and AT, alone and refined by SoKD, on the
  same 10 % of the digits.
- ``cls-fitnet-sokd-<variant>``: FitNet+SoKD with one piece of the
  reference's recipe undone (no augmentation, the hint at FitNet's weight,
  the reference's policy lr, FitNet's one-layer ConvReg, larger boxes),
  the reference's search (``model.search='unrolled_implicit'``) or a
  search over the whole training,
  against FitNet (the benchmark's runs).
- ``fmnist-heldout-sokd-<variant>``: FitNet+SoKD's variants on the
  Fashion-MNIST ResNet-18 w8 students, scored on 5,000 held-out training
  images (the ones after the 2,000 they train on), to choose SoKD's
  default without the test set: the reference's recipe, the emphasis on the
  host kept (the masked term at weight 0, 1, 3, 10 or 100), its feature
  augmentation alone (mask = 1), its DAM alone (no augmentation), only the
  operations that keep activations in place, and the search's kind
  (the reference's unrolled step), length (all 8 epochs) and policy lr.
- ``fmnist-sokd-<family>``: FitNet, FitNet+SoKD (the chosen variant) and
  FitNet+SoKD (parity), SoKD as the reference's code, on the test set, per
  student family (the benchmark's runs where its work
  dir has them).
- ``fmnist-students-16e``: the Fashion-MNIST ResNet-18 w8 students
  trained 16 epochs instead of 8 (TST's phases at epochs 4 and 10), against
  the benchmark's teacher (``--teachers work_dirs/benchmark_fashion_mnist``).
- ``fmnist-tst-2-ops``: Fashion-MNIST TST+KD with 2 augmentation ops per
  call instead of the paper's 4, against the benchmark's KD runs.
- ``seg-teacher-lr``: the segmentation students at the teacher's learning
  rate (1/8 of theirs), with which they stall at the background and one
  digit class.
- ``det-seeds``: the detection runs over two more seeds (the benchmark has
  one): how far apart methods must be to be told apart.
- ``seg-tst-1-op``: segmentation TST with one augmentation op per image
  (the paper's 4 make label maps the teacher itself gets wrong; see
  ``tools/analysis/score_tst_augment.py``), against KD on the same 8
  originals per step (TST's loader yields half the batch).

Examples:
    python tools/analysis/benchmark.py               # first: the teachers
    python tools/analysis/benchmark_ablations.py --teachers work_dirs/benchmark
    python tools/analysis/benchmark_ablations.py --only seg-teacher-lr
"""
import argparse
import json
import os
import os.path as osp
import random
import statistics
import time
from typing import Callable, Dict, List

from tstkd_plugin.benchmarking import (CONFIGS, METRICS_FILE, run_dir_name,
                                       summarise, train_tasks)
from tstkd_plugin.benchmarking.fashion_mnist_tasks import SPECS


def subset_ann_file(data: str, fraction: float, seed: int = 0) -> str:
    """Write ``meta/train_<pct>pct.txt`` next to the classification
    training list: ``fraction`` of each class, each line repeated
    ``1 / fraction`` times. Returns the path relative to the data root."""
    root = osp.join(data, 'cls')
    with open(osp.join(root, 'meta', 'train.txt')) as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    by_class: Dict[str, List[str]] = {}
    for line in lines:
        by_class.setdefault(line.rsplit(' ', 1)[1], []).append(line)
    rng = random.Random(seed)
    kept = []
    for label in sorted(by_class):
        items = sorted(by_class[label])
        kept += rng.sample(items, max(1, round(fraction * len(items))))
    name = f'meta/train_{round(100 * fraction)}pct.txt'
    with open(osp.join(root, name), 'w') as f:
        f.write('\n'.join(kept * round(1 / fraction)) + '\n')
    return name


def data_fraction_option(data: str,
                         fraction: float) -> Callable[[str, str], List[str]]:
    """Overrides training the classification students on ``fraction`` of
    the data (:func:`subset_ann_file`)."""
    name = subset_ann_file(data, fraction)
    return lambda task, label: [f'train_dataloader.dataset.ann_file={name}']


def learning_rate_option(factor: float) -> Callable[[str, str], List[str]]:
    """Overrides multiplying the student optimizer's learning rate (the
    ``architecture`` optimizer of multi-optimizer algorithms)."""
    from mmengine.config import Config

    def options(task: str, label: str) -> List[str]:
        cfg = Config.fromfile(
            osp.join(CONFIGS, SPECS[task]['students'][label]))
        key = 'optim_wrapper.optimizer.lr'
        optimizer = cfg.optim_wrapper.get('optimizer')
        if optimizer is None:
            key = 'optim_wrapper.architecture.optimizer.lr'
            optimizer = cfg.optim_wrapper.architecture.optimizer
        return [f'{key}={optimizer.lr * factor}']

    return options


# the TST configs' augmenter phases are keys of their train loop (train_cfg)
TST_VARIANTS = {
    'sample-gates': ['model.augmenter.gate=sample'],
    'signed-magnitudes': ['model.augmenter.signed=True'],
    'no-plateau-decay-no-fresh-optimizer':
    ['train_cfg.plateau_decay=None', 'train_cfg.fresh_optimizer=False'],
}


def tst_variant_option(
        data: str, fraction: float,
        overrides: List[str]) -> Callable[[str, str], List[str]]:
    """Overrides training on ``fraction`` of the data, and ``overrides`` for
    TST+KD only."""
    subset = data_fraction_option(data, fraction)
    return lambda task, label: subset(task, label) + (
        overrides if label == 'TST+KD' else [])


# SoKD on FitNet (the reference's DFKD recipe): each of its pieces undone
# in turn, for FitNet+SoKD only, against FitNet on the same data
SOKD_FITNET_VARIANTS = {
    # the gates start (and, searched ~90 steps, stay) far below 0.5
    'no-augment': ['model.distiller.feature_augment.init_probability=1e-06'],
    'hint-x100': ['model.distiller.distill_losses.loss_hint.loss_weight=100'],
    'policy-lr-3e-4': ['optim_wrapper.feature_augment.optimizer.lr=0.0003'],
    'convreg-1-layer':
    ['model.distiller.connectors.hint_regressor.num_convs=1'],
    # the reference's search: the implicit term only (first order: ours)
    'search-unrolled_implicit': ['model.search=unrolled_implicit'],
    # our former default: a half-range warp with a random sign per sample
    'magnitudes-random_sign':
    ['model.distiller.feature_augment.magnitude_mapping=random_sign'],
    'boxes-0.3-0.6':
    ['model.distiller.dam.min_size=0.3', 'model.distiller.dam.max_size=0.6'],
    # the search's length: all 8 epochs instead of the first 2 (the
    # reference searches 50 of 240, about the demo's share)
    'search-8-epochs': ['model.search_epochs=8'],
}

# Fashion-MNIST students scored on a held-out part of the training split
# (the 5,000 images after the 2,000 they train on), to choose SoKD's
# variant without the test set
HELD_OUT = [
    'val_dataloader.dataset.split=train',
    'val_dataloader.dataset.first_index=2000',
    'val_dataloader.dataset.indices=5000'
]
# SoKD on FitNet: the reference's recipe, and the emphasis on the host kept
# (the FitNet+SoKD configs: FitNet's hint as it is, SoKD's masked term x 10
# on top, the student starting from FitNet's weights) with one change each
SOKD_HELD_OUT_VARIANTS = {
    'reference': ('FitNet+SoKD (reference)', []),
    # the host exactly, through SoKD's step (the masked term at weight 0)
    'emphasis-0': ('FitNet+SoKD', ['model.distiller.loss_feat.loss_weight=0']),
    'emphasis-10': ('FitNet+SoKD', []),
    'emphasis-100':
    ('FitNet+SoKD', ['model.distiller.loss_feat.loss_weight=100']),
    # the feature augmentation alone: boxes that cover the map (mask = 1)
    'emphasis-10-mask-1':
    ('FitNet+SoKD', ['model.distiller.dam.min_cells=100']),
    # the DAM alone: the augmentation's gates stay shut
    'emphasis-10-no-augment':
    ('FitNet+SoKD', ['model.distiller.feature_augment.init_probability=1e-06'
                     ]),
    # the masked term at the scale of a small fraction of the host's
    'emphasis-1': ('FitNet+SoKD', ['model.distiller.loss_feat.loss_weight=1']),
    'emphasis-3': ('FitNet+SoKD', ['model.distiller.loss_feat.loss_weight=3']),
    # only the operations that keep each teacher activation where it is
    # (a warped target is a misaligned one: the student's input is not)
    'emphasis-10-aligned-ops': ('FitNet+SoKD', [
        'model.distiller.feature_augment.ops=[Cutout,GaussianNoise,'
        'ChannelDrop]'
    ]),
    # the search: the reference's bi-level step, over the whole training,
    # at the reference's policy lr
    'emphasis-10-unrolled': ('FitNet+SoKD', ['model.search=unrolled_implicit'
                                             ]),
    'emphasis-10-search-8': ('FitNet+SoKD', ['model.search_epochs=8']),
    'emphasis-10-policy-lr-3e-4':
    ('FitNet+SoKD', ['optim_wrapper.feature_augment.optimizer.lr=0.0003']),
}


def held_out_option(method: str,
                    overrides: List[str]) -> Callable[[str, str], List[str]]:
    """Overrides scoring every student on the held-out training images,
    and ``overrides`` for ``method`` only."""
    return lambda task, label: HELD_OUT + (
        overrides if label == method else [])


def method_option(label: str,
                  overrides: List[str]) -> Callable[[str, str], List[str]]:
    """Overrides for the students of one method only."""
    return lambda task, method: overrides if method == label else []


def ablations(data: str) -> Dict[str, dict]:
    """name -> task, methods (with 'vanilla KD'), seeds and a function
    giving the students' overrides (made when called: it may write data)."""
    return {
        'cls-10pct-data':
        dict(
            task='cls',
            seeds=[0, 1, 2],
            methods=['alone', 'vanilla KD', 'DIST', 'TST+KD', 'SoKD+KD'],
            options=lambda: data_fraction_option(data, 0.1)),
        # TST's reference policy (the defaults) against each of our former
        # choices, on the same 10 % data; KD's runs are cls-10pct-data's
        **{
            f'cls-10pct-tst-{name}':
            dict(
                task='cls',
                seeds=[0, 1, 2],
                methods=['vanilla KD', 'TST+KD'],
                shared_runs=('cls-10pct-data', ['vanilla KD']),
                options=lambda overrides=overrides: tst_variant_option(
                    data, 0.1, overrides))
            for name, overrides in TST_VARIANTS.items()
        },
        # SoKD refining the feature hosts, on the same 10 % data
        'cls-10pct-hosts':
        dict(
            task='cls',
            seeds=[0, 1, 2],
            methods=[
                'vanilla KD', 'FitNet', 'FitNet+SoKD',
                'FitNet+SoKD (reference)', 'AT', 'AT+SoKD',
                'AT+SoKD (reference)'
            ],
            options=lambda: data_fraction_option(data, 0.1)),
        **{
            f'cls-fitnet-sokd-{name}':
            dict(
                task='cls',
                seeds=[0, 1, 2],
                methods=['FitNet', 'FitNet+SoKD (reference)'],
                baseline='FitNet',
                # FitNet's runs are the benchmark's (no override)
                benchmark_runs=['FitNet'],
                options=lambda overrides=overrides: method_option(
                    'FitNet+SoKD (reference)', overrides))
            for name, overrides in SOKD_FITNET_VARIANTS.items()
        },
        # SoKD's variants chosen on held-out training images (FitNet once)
        **{
            f'fmnist-heldout-sokd-{name}':
            dict(
                task='fmnist-resnet18-w8',
                seeds=[0, 1, 2],
                methods=['FitNet', method],
                baseline='FitNet',
                shared_runs=('fmnist-heldout-sokd-reference', ['FitNet']),
                options=lambda m=method, o=overrides: held_out_option(m, o))
            for name, (method, overrides) in SOKD_HELD_OUT_VARIANTS.items()
        },
        # the chosen variant (the configs' default) and SoKD as the
        # reference's code (parity) against FitNet on the test set, both
        # student families
        **{
            f'fmnist-sokd-{family}':
            dict(
                task=f'fmnist-{family}',
                seeds=[0, 1, 2],
                methods=['FitNet', 'FitNet+SoKD', 'FitNet+SoKD (parity)'],
                baseline='FitNet',
                options=lambda: None)
            for family in ('resnet18-w8', 'mobilenet-v2')
        },
        'fmnist-students-16e':
        dict(
            task='fmnist-resnet18-w8',
            seeds=[0, 1, 2],
            methods=['vanilla KD', 'DIST', 'TST+KD', 'FitNet+SoKD'],
            options=lambda: lambda task, label:
            ['train_cfg.max_epochs=16', 'param_scheduler.T_max=16']
            if label in ('vanilla KD', 'DIST') else {
                'TST+KD': [
                    'train_cfg.max_epochs=16',
                    'param_scheduler.architecture.T_max=16',
                    'train_cfg.augment_epochs=[4,10]'
                ],
                'FitNet+SoKD': [
                    'train_cfg.max_epochs=16',
                    'param_scheduler.architecture.T_max=16',
                    'model.search_epochs=4'
                ],
            }[label]),
        'fmnist-tst-2-ops':
        dict(
            task='fmnist-resnet18-w8',
            seeds=[0, 1, 2],
            methods=['vanilla KD', 'TST+KD'],
            benchmark_runs=['vanilla KD'],
            options=lambda: method_option('TST+KD',
                                          ['model.augmenter.num_ops=2'])),
        'seg-teacher-lr':
        dict(
            task='seg',
            seeds=[0],
            methods=['alone', 'vanilla KD', 'DIST', 'SoKD+KD'],
            options=lambda: learning_rate_option(1 / 8)),
        'seg-tst-1-op':
        dict(
            task='seg',
            seeds=[0],
            methods=['vanilla KD', 'TST+KD'],
            options=lambda: lambda task, label: {
                'vanilla KD': ['train_dataloader.batch_size=8'],
                'TST+KD': ['model.augmenter.num_ops=1']
            }[label]),
        'det-seeds':
        dict(  # seed 0: the benchmark's runs
            task='det',
            seeds=[0, 1, 2],
            methods=['vanilla KD', 'DIST', 'SoKD+KD', 'SoKD+DIST'],
            options=lambda: None),
    }


def link_runs(teachers: str, work_root: str, task: str,
              runs: List[str]) -> None:
    """The benchmark's scored teacher (and ``runs``: run dirs trained
    without overrides), seen from the ablation's work dir: reused."""
    for run in ['teacher'] + runs:
        source = osp.abspath(osp.join(teachers, task, run))
        if not osp.isfile(osp.join(source, METRICS_FILE)):
            if run != 'teacher':
                continue  # trained here then
            raise FileNotFoundError(
                f'--teachers: no scored teacher in {source}; run '
                'tools/analysis/benchmark.py first (or point --teachers at '
                'its --work-dir)')
        target = osp.join(work_root, task, run)
        os.makedirs(osp.dirname(target), exist_ok=True)
        if not osp.lexists(target):
            os.symlink(source, target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--teachers',
        default='work_dirs/benchmark',
        help="a benchmark --work-dir: its teachers are used")
    parser.add_argument('--work-dir', default='work_dirs/ablations')
    parser.add_argument('--data', default='data/demo')
    parser.add_argument('--only', nargs='+', help='ablations to run')
    parser.add_argument('--jobs', type=int, default=2)
    parser.add_argument('--out', default='results/ablations.json')
    args = parser.parse_args()
    start = time.time()
    chosen = ablations(args.data)
    for name in args.only or []:
        if name not in chosen:
            parser.error(f'--only: unknown ablation {name!r}; expected some '
                         f'of {sorted(chosen)}')
    results, lines = {}, []
    for name, spec in chosen.items():
        if args.only and name not in args.only:
            continue
        task, root = spec['task'], osp.join(args.work_dir, name)
        options = spec['options']()
        # without overrides: the benchmark's runs
        unchanged = spec.get('benchmark_runs', []) + \
            ([] if options else spec['methods'])
        link_runs(
            args.teachers, root, task,
            [run_dir_name(m, s) for m in unchanged for s in spec['seeds']])
        if 'shared_runs' in spec:  # the same overrides: the same runs
            source, methods = spec['shared_runs']
            link_runs(
                osp.join(args.work_dir, source), root, task,
                [run_dir_name(m, s) for m in methods for s in spec['seeds']])
        # the task's teacher is linked into root: none shared with another
        own_teacher = {
            k: v
            for k, v in SPECS[task].items() if k != 'teacher_task'
        }
        _, runs = train_tasks({task: (spec['seeds'], spec['methods'])},
                              root,
                              reuse=True,
                              jobs=args.jobs,
                              student_options=options,
                              specs={
                                  **SPECS, task: own_teacher
                              })[task]
        key, metric, scale = SPECS[task]['metric']
        values = {m: [r[key] * scale for r in runs[m]] for m in runs}
        results[name] = values
        baseline = spec.get('baseline', 'vanilla KD')
        reference = statistics.mean(values[baseline])
        for method, v in values.items():
            delta = '' if method == baseline else \
                f'{statistics.mean(v) - reference:+.2f} vs {baseline}'
            lines.append(f'| {name} | {metric} | {method} | {summarise(v)} '
                         f'| {len(v)} | {delta} |')
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(results, f, indent=1)
    print('| ablation | metric | method | value | seeds | difference |')
    print('|---|---|---|---|---|---|')
    print('\n'.join(lines))
    print(f'wrote {args.out}; wall time {(time.time() - start) / 60:.1f} '
          'min')


if __name__ == '__main__':
    main()
