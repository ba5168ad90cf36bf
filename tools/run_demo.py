# Copyright (c) tstkd_plugin contributors.
"""The main job: demo data, a teacher, a student alone and a KD student.

Writes the demo data, trains the classification teacher, the student alone
and the student distilled with vanilla KD (with the train tool, as a user
would), evaluates the three with the test tool and prints their top-1.

Example:
    python tools/run_demo.py [--work-dir work_dirs/demo] [--seed 0]
"""
import argparse
import json
import os.path as osp
import subprocess
import sys
import time
from typing import List

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CLS_CONFIGS = osp.join(REPO, 'configs', 'baselines', 'mmpretrain')
TEACHER = osp.join(CLS_CONFIGS, 'resnet18-w32_digits.py')
STUDENT = osp.join(CLS_CONFIGS, 'resnet18-w8_digits.py')
KD = osp.join(CLS_CONFIGS, 'kd_logits_resnet18-w32_resnet18-w8_digits.py')


def run(args: List[str]) -> None:
    print('+ ' + ' '.join(args), flush=True)
    subprocess.run([sys.executable] + args, cwd=REPO, check=True)


def last_checkpoint(work_dir: str) -> str:
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def train_and_test(name: str, config: str, work_root: str, seed: int,
                   options: List[str]) -> dict:
    """Train with tools/train.py, then test the last checkpoint.

    Args:
        options (list[str]): ``key=value`` config overrides for both tools.
    """
    work_dir = osp.join(work_root, name)
    start = time.time()
    run(['tools/train.py', config, '--work-dir', work_dir,
         '--cfg-options', f'randomness.seed={seed}'] + options)
    metrics_file = osp.join(work_dir, 'test_metrics.json')
    run(['tools/test.py', config, last_checkpoint(work_dir),
         '--work-dir', work_dir, '--out', metrics_file] +
        (['--cfg-options'] + options if options else []))
    with open(metrics_file) as f:
        metrics = json.load(f)
    metrics['minutes'] = (time.time() - start) / 60
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data', default='data/demo')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()

    start = time.time()
    run(['tools/make_demo_data.py', '--out', args.data])
    teacher = train_and_test('teacher', TEACHER, args.work_dir, args.seed, [])
    student = train_and_test('student', STUDENT, args.work_dir, args.seed, [])
    kd = train_and_test(
        'kd', KD, args.work_dir, args.seed,
        ['model.teacher_ckpt=' +
         last_checkpoint(osp.join(args.work_dir, 'teacher'))])

    rows = [('teacher  ResNet-18 w32', teacher),
            ('student  ResNet-18 w8, alone', student),
            ('student  ResNet-18 w8, vanilla KD', kd)]
    print('\nDemo: handwritten digits (sklearn), 10 classes, val split of '
          'unseen source images')
    print(f'| {"model":36s} | top-1 (%) | train+test (min) |')
    print(f'|{"-" * 38}|-----------|------------------|')
    for name, metrics in rows:
        print(f'| {name:36s} | {metrics["accuracy/top1"]:9.2f} | '
              f'{metrics["minutes"]:16.1f} |')
    print(f'total wall time: {(time.time() - start) / 60:.1f} min')


if __name__ == '__main__':
    main()
