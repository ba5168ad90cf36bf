# Copyright (c) tstkd_plugin contributors.
"""The main job: demo data, then teacher, student alone and distilled students.

For each task it trains the teacher once, then for each seed the student
alone and the student distilled with each method (by default vanilla KD,
DIST, TST+KD, SoKD+KD, FitNet and FitNet+SoKD: the project's three methods,
the KD that TST builds on, and SoKD on a logit host and on the feature host
of its paper), with tools/train.py as a user would; each run is scored
by its last validation (``tools/train.py --out``: the val set is the test
set of the demo data, so a separate tools/test.py process would only repeat
it) and the tool prints a table of the metric (mean and spread over
seeds) with its difference to the method it builds on ("vs host": KD,
DIST and FitNet to the student alone, TST+KD to KD, FitNet+SoKD to FitNet).
It prints one line per finished run, with a count of the runs done
and left; each run's full output is in its work dir's ``run.log``.

Example:
    python tools/misc/run_demo.py --jobs 2 --seeds 0  # what make demo runs
    python tools/misc/run_demo.py --tasks det seg --seeds 0
    python tools/misc/run_demo.py --methods 'vanilla KD' DIST TST+DIST
    python tools/misc/run_demo.py --tasks det --reuse  # add runs to a dir
"""
import argparse
import os.path as osp
import statistics
import time
from typing import Dict, List

from tstkd_plugin.benchmarking import (DEMO_DATA, METHOD_HOSTS, METHODS,
                                       METRICS_FILE, REPO, TASKS, prepare_data,
                                       summarise, train_tasks)


def task_rows(task: str, teacher: Dict[str, float],
              runs: Dict[str, List[Dict]]) -> List[str]:
    """Table rows of a task: the teacher and each label's metric, and its
    difference to the method it builds on (:data:`METHOD_HOSTS`) where that
    was trained too."""
    key, name, scale = TASKS[task]['metric']
    rows = [
        f'| {task} | {name} | teacher | {teacher[key] * scale:.2f} | | 1 '
        f'| {teacher["minutes"]:.1f} |'
    ]
    means = {
        label: statistics.mean(m[key] * scale for m in metrics)
        for label, metrics in runs.items()
    }
    for label, metrics in runs.items():
        values = [m[key] * scale for m in metrics]
        minutes = sum(m['minutes'] for m in metrics) / len(metrics)
        host = METHOD_HOSTS.get(label)
        vs_host = f'{means[label] - means[host]:+.2f} ({host})' \
            if host in means else ''
        rows.append(f'| {task} | {name} | student, {label} | '
                    f'{summarise(values)} | {vs_host} | {len(metrics)} | '
                    f'{minutes:.1f} |')
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--tasks', nargs='+', default=['cls'], choices=sorted(TASKS))
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument(
        '--methods',
        nargs='+',
        default=[
            'vanilla KD', 'DIST', 'TST+KD', 'SoKD+KD', 'FitNet', 'FitNet+SoKD'
        ],
        choices=METHODS)
    parser.add_argument(
        '--reuse',
        action='store_true',
        help='keep the demo data and the runs of the work '
        f'dir that were already scored ({METRICS_FILE})')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data', default='data/demo')
    parser.add_argument(
        '--jobs',
        type=int,
        default=1,
        help='runs in parallel (2 on 2 cores: ~1.5x faster)')
    args = parser.parse_args()

    start = time.time()
    data = osp.abspath(args.data)
    prepare_data(data, args.reuse)
    plan = {
        task:
        (args.seeds,
         ['alone'] + [m for m in args.methods if m in TASKS[task]['students']])
        for task in args.tasks
    }
    runs = sum(1 + len(seeds) * len(labels) for seeds, labels in plan.values())
    print(
        f'{runs} runs ({args.jobs} at a time): per task a teacher, then '
        f'per seed the student alone and with {", ".join(args.methods)}; '
        f"each run's full log is its work dir's run.log under "
        f'{args.work_dir}/',
        flush=True)
    trained = train_tasks(
        plan,
        args.work_dir,
        args.reuse,
        args.jobs,
        teacher_on_all_cores=True,
        data=None if data == osp.join(REPO, DEMO_DATA) else data)
    lines = [
        row for task in args.tasks for row in task_rows(task, *trained[task])
    ]
    print('\nDemo on real handwritten digits (scikit-learn); val images are '
          'made from source digits never seen in training; mean ± std over '
          'seeds where several.')
    print('| task | metric (val) | model | value | vs host | seeds | '
          'minutes per run |')
    print('|---|---|---|---|---|---|---|')
    print('\n'.join(lines))
    if len(args.seeds) == 1:
        print('One seed: differences of about half a point are within the '
              'seed spread (docs/en/notes/benchmark.md has 3 seeds; '
              '--seeds 0 1 2 here).')
    print(f'total wall time: {(time.time() - start) / 60:.1f} min')


if __name__ == '__main__':
    main()
