# Copyright (c) tstkd_plugin contributors.
"""The main job: demo data, then teacher, student alone and distilled students.

For each task it trains the teacher once, then for each seed the student
alone and the student distilled with each method (vanilla KD, DIST), with
tools/train.py as a user would; it scores every last checkpoint with
tools/test.py and prints a table of the metric (mean and spread over seeds).

Example:
    python tools/run_demo.py                      # classification, 3 seeds
    python tools/run_demo.py --tasks det seg --seeds 0
    python tools/run_demo.py --methods 'vanilla KD' DIST TST+KD TST+DIST
    python tools/run_demo.py --tasks det --reuse   # add runs to a work dir
"""
import argparse
import json
import os.path as osp
import statistics
import subprocess
import sys
import time
from typing import Dict, List, Tuple

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(REPO, 'configs')

# task -> configs of the teacher, the student alone and each distillation
# method; the metric's key, name and scale to percent
TASKS = {
    'cls': dict(
        teacher='baselines/mmpretrain/resnet18-w32_digits.py',
        students={
            'alone': 'baselines/mmpretrain/resnet18-w8_digits.py',
            'vanilla KD': 'baselines/mmpretrain/'
            'kd_logits_resnet18-w32_resnet18-w8_digits.py',
            'DIST': 'dist/mmpretrain/'
            'dist_logits_resnet18-w32_resnet18-w8_digits.py',
            'TST+KD': 'tst/mmpretrain/'
            'tst_kd_logits_resnet18-w32_resnet18-w8_digits.py',
            'TST+DIST': 'tst/mmpretrain/'
            'tst_dist_logits_resnet18-w32_resnet18-w8_digits.py',
            'SoKD+KD': 'sokd/mmpretrain/'
            'sokd_kd_logits_resnet18-w32_resnet18-w8_digits.py',
            'SoKD+DIST': 'sokd/mmpretrain/'
            'sokd_dist_logits_resnet18-w32_resnet18-w8_digits.py',
        },
        metric=('accuracy/top1', 'top-1 (%)', 1.0)),
    'det': dict(
        teacher='baselines/mmdet/retinanet_r18-w32_fpn_digits.py',
        students={
            'alone': 'baselines/mmdet/retinanet_r18-w8_fpn_digits.py',
            'vanilla KD': 'baselines/mmdet/'
            'kd_cls-branch_retinanet_r18-w32_r18-w8_digits.py',
            'DIST': 'dist/mmdet/'
            'dist_cls-branch_retinanet_r18-w32_r18-w8_digits.py',
            'TST+KD': 'tst/mmdet/'
            'tst_kd_cls-branch_retinanet_r18-w32_r18-w8_digits.py',
            'TST+DIST': 'tst/mmdet/'
            'tst_dist_cls-branch_retinanet_r18-w32_r18-w8_digits.py',
            'SoKD+KD': 'sokd/mmdet/'
            'sokd_kd_cls-branch_retinanet_r18-w32_r18-w8_digits.py',
            'SoKD+DIST': 'sokd/mmdet/'
            'sokd_dist_cls-branch_retinanet_r18-w32_r18-w8_digits.py',
        },
        metric=('coco/bbox_mAP', 'bbox mAP (%)', 100.0)),
    'seg': dict(
        teacher='baselines/mmseg/pspnet_r18-w32-d8_digits.py',
        students={
            'alone': 'baselines/mmseg/pspnet_r18-w8-d8_digits.py',
            'vanilla KD': 'baselines/mmseg/'
            'kd_logits_pspnet_r18-w32_r18-w8_digits.py',
            'DIST': 'dist/mmseg/dist_logits_pspnet_r18-w32_r18-w8_digits.py',
            'TST+KD': 'tst/mmseg/tst_kd_logits_pspnet_r18-w32_r18-w8_digits.py',
            'TST+DIST': 'tst/mmseg/'
            'tst_dist_logits_pspnet_r18-w32_r18-w8_digits.py',
            'SoKD+KD': 'sokd/mmseg/'
            'sokd_kd_logits_pspnet_r18-w32_r18-w8_digits.py',
            'SoKD+DIST': 'sokd/mmseg/'
            'sokd_dist_logits_pspnet_r18-w32_r18-w8_digits.py',
        },
        metric=('mIoU', 'mIoU (%)', 1.0)),
}

METHODS = sorted({m for t in TASKS.values() for m in t['students']} -
                 {'alone'})


def run(args: List[str]) -> None:
    print('+ ' + ' '.join(args), flush=True)
    subprocess.run([sys.executable] + args, cwd=REPO, check=True)


def last_checkpoint(work_dir: str) -> str:
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def train_and_test(config: str, work_dir: str, seed: int,
                   options: List[str], reuse: bool = False
                   ) -> Dict[str, float]:
    """Train with tools/train.py, then score the last checkpoint.

    Args:
        options (list[str]): ``key=value`` config overrides for both tools.
    """
    config = osp.join(CONFIGS, config)
    metrics_file = osp.join(work_dir, 'test_metrics.json')
    if reuse and osp.isfile(metrics_file):
        print(f'= reusing {metrics_file}', flush=True)
        with open(metrics_file) as f:
            metrics = json.load(f)
        metrics.setdefault('minutes', float('nan'))  # not measured then
        return metrics
    start = time.time()
    run(['tools/train.py', config, '--work-dir', work_dir,
         '--cfg-options', f'randomness.seed={seed}'] + options)
    run(['tools/test.py', config, last_checkpoint(work_dir),
         '--work-dir', work_dir, '--out', metrics_file] +
        (['--cfg-options'] + options if options else []))
    with open(metrics_file) as f:
        metrics = json.load(f)
    metrics['minutes'] = (time.time() - start) / 60
    with open(metrics_file, 'w') as f:
        json.dump(metrics, f)
    return metrics


def summarise(values: List[float]) -> str:
    if len(values) == 1:
        return f'{values[0]:.2f}'
    return f'{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}'


def train_task(task: str, work_root: str, seeds: List[int],
               labels: List[str], reuse: bool = False
               ) -> Tuple[Dict[str, float], Dict[str, List[Dict]]]:
    """Train and score the teacher, then each student config of ``labels``
    for every seed (with the teacher's checkpoint).

    Returns:
        tuple: The teacher's metrics, and per label the metrics of each seed.
    """
    spec = TASKS[task]
    root = osp.join(work_root, task)
    teacher = train_and_test(spec['teacher'], osp.join(root, 'teacher'),
                             seeds[0], [], reuse)
    teacher_ckpt = last_checkpoint(osp.join(root, 'teacher'))
    runs: Dict[str, List[Dict]] = {label: [] for label in labels}
    for seed in seeds:
        for label in labels:
            options = [] if label == 'alone' else \
                [f'model.teacher_ckpt={teacher_ckpt}']
            runs[label].append(train_and_test(
                spec['students'][label],
                osp.join(root, f'{label.replace(" ", "_")}_seed{seed}'),
                seed, options, reuse))
    return teacher, runs


def prepare_data(data: str, reuse: bool) -> None:
    """Write the demo data, or keep it with ``reuse``."""
    if reuse and osp.isfile(osp.join(data, 'pools.json')):
        print(f'= reusing the demo data in {data}', flush=True)
    else:
        run(['tools/make_demo_data.py', '--out', data])


def run_task(task: str, work_root: str, seeds: List[int],
             methods: List[str], reuse: bool = False) -> List[str]:
    spec = TASKS[task]
    key, name, scale = spec['metric']
    labels = ['alone'] + [m for m in methods if m in spec['students']]
    teacher, runs = train_task(task, work_root, seeds, labels, reuse)
    results = {label: [m[key] * scale for m in runs[label]]
               for label in labels}
    minutes = {label: sum(m['minutes'] for m in runs[label]) / len(seeds)
               for label in labels}
    rows = [f'| {task} | {name} | teacher | {teacher[key] * scale:.2f} | 1 '
            f'| {teacher["minutes"]:.1f} |']
    for label in labels:
        rows.append(f'| {task} | {name} | student, {label} | '
                    f'{summarise(results[label])} | {len(seeds)} | '
                    f'{minutes[label]:.1f} |')
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--tasks', nargs='+', default=['cls'],
                        choices=sorted(TASKS))
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument('--methods', nargs='+', default=['vanilla KD', 'DIST'],
                        choices=METHODS)
    parser.add_argument('--reuse', action='store_true',
                        help='keep the demo data and the runs of the work '
                        'dir that were already scored (test_metrics.json)')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data', default='data/demo')
    args = parser.parse_args()

    start = time.time()
    prepare_data(args.data, args.reuse)
    lines = []
    for task in args.tasks:
        lines += run_task(task, args.work_dir, args.seeds, args.methods,
                          args.reuse)
    print('\nDemo on real handwritten digits (scikit-learn); val images are '
          'made from source digits never seen in training; mean ± std over '
          'seeds where several.')
    print('| task | metric (val) | model | value | seeds | minutes per run |')
    print('|---|---|---|---|---|---|')
    print('\n'.join(lines))
    print(f'total wall time: {(time.time() - start) / 60:.1f} min')


if __name__ == '__main__':
    main()
