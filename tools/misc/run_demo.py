# Copyright (c) tstkd_plugin contributors.
"""The main job: demo data, then teacher, student alone and distilled students.

For each task it trains the teacher once, then for each seed the student
alone and the student distilled with each method (by default vanilla KD,
DIST, TST+KD and SoKD+KD: the project's three methods and the KD that TST
and SoKD build on), with tools/train.py as a user would; each run is scored
by its last validation (``tools/train.py --out``: the val set is the test
set of the demo data, so a separate tools/test.py process would only repeat
it) and the tool prints a table of the metric (mean and spread over
seeds). It prints one line per finished run, with a count of the runs done
and left; each run's full output is in its work dir's ``run.log``.

Example:
    python tools/misc/run_demo.py --jobs 2 --seeds 0  # what make demo runs
    python tools/misc/run_demo.py --tasks det seg --seeds 0
    python tools/misc/run_demo.py --methods 'vanilla KD' DIST TST+DIST
    python tools/misc/run_demo.py --tasks det --reuse  # add runs to a dir
"""
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Dict, List, Optional, Tuple

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'configs')

# task -> configs of the teacher, the student alone and each distillation
# method; the metric's key, name and scale to percent
TASKS = {
    'cls':
    dict(
        teacher='baselines/mmpretrain/resnet18-w32_digits.py',
        students={
            'alone':
            'baselines/mmpretrain/resnet18-w8_digits.py',
            'vanilla KD':
            'baselines/mmpretrain/'
            'kd_logits_resnet18-w32_resnet18-w8_digits.py',
            'DIST':
            'dist/mmpretrain/'
            'dist_logits_resnet18-w32_resnet18-w8_digits.py',
            'TST+KD':
            'tst/mmpretrain/'
            'tst_kd_logits_resnet18-w32_resnet18-w8_digits.py',
            'TST+DIST':
            'tst/mmpretrain/'
            'tst_dist_logits_resnet18-w32_resnet18-w8_digits.py',
            'SoKD+KD':
            'sokd/mmpretrain/'
            'sokd_kd_logits_resnet18-w32_resnet18-w8_digits.py',
            'SoKD+DIST':
            'sokd/mmpretrain/'
            'sokd_dist_logits_resnet18-w32_resnet18-w8_digits.py',
            'TST+SoKD+DIST':
            'tst_sokd/mmpretrain/'
            'tst_sokd_dist_logits_resnet18-w32_resnet18-w8_digits.py',
            'FitNet':
            'baselines/mmpretrain/fitnet_resnet18-w32_resnet18-w8_digits.py',
            'FitNet+SoKD':
            'sokd/mmpretrain/sokd_fitnet_resnet18-w32_resnet18-w8_digits.py',
            'AT':
            'baselines/mmpretrain/at_resnet18-w32_resnet18-w8_digits.py',
            'AT+SoKD':
            'sokd/mmpretrain/sokd_at_resnet18-w32_resnet18-w8_digits.py',
        },
        metric=('accuracy/top1', 'top-1 (%)', 1.0)),
    'det':
    dict(
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
            'FitNet':
            'baselines/mmdet/fitnet_retinanet_r18-w32_r18-w8_digits.py',
            'FitNet+SoKD':
            'sokd/mmdet/sokd_fitnet_retinanet_r18-w32_r18-w8_digits.py',
            'AT': 'baselines/mmdet/at_retinanet_r18-w32_r18-w8_digits.py',
            'AT+SoKD': 'sokd/mmdet/sokd_at_retinanet_r18-w32_r18-w8_digits.py',
        },
        metric=('coco/bbox_mAP', 'bbox mAP (%)', 100.0)),
    'seg':
    dict(
        teacher='baselines/mmseg/pspnet_r18-w32-d8_digits.py',
        students={
            'alone': 'baselines/mmseg/pspnet_r18-w8-d8_digits.py',
            'vanilla KD': 'baselines/mmseg/'
            'kd_logits_pspnet_r18-w32_r18-w8_digits.py',
            'DIST': 'dist/mmseg/dist_logits_pspnet_r18-w32_r18-w8_digits.py',
            'TST+KD': 'tst/mmseg/'
            'tst_kd_logits_pspnet_r18-w32_r18-w8_digits.py',
            'TST+DIST': 'tst/mmseg/'
            'tst_dist_logits_pspnet_r18-w32_r18-w8_digits.py',
            'SoKD+KD': 'sokd/mmseg/'
            'sokd_kd_logits_pspnet_r18-w32_r18-w8_digits.py',
            'SoKD+DIST': 'sokd/mmseg/'
            'sokd_dist_logits_pspnet_r18-w32_r18-w8_digits.py',
            'FitNet': 'baselines/mmseg/fitnet_pspnet_r18-w32_r18-w8_digits.py',
            'FitNet+SoKD':
            'sokd/mmseg/sokd_fitnet_pspnet_r18-w32_r18-w8_digits.py',
            'AT': 'baselines/mmseg/at_pspnet_r18-w32_r18-w8_digits.py',
            'AT+SoKD': 'sokd/mmseg/sokd_at_pspnet_r18-w32_r18-w8_digits.py',
        },
        metric=('mIoU', 'mIoU (%)', 1.0)),
}

METRICS_FILE = 'metrics.json'  # a run's last validation; it marks it done
LONGEST_FIRST = ('seg', 'det', 'cls')  # the order runs are started in
METHODS = sorted({m
                  for t in TASKS.values()
                  for m in t['students']} - {'alone'})

DEMO_DATA = 'data/demo'  # where the demo configs read the demo data
# per task: the keys of the demo configs that hold a path of its data
DATA_KEYS = {
    task: [
        f'{split}_dataloader.dataset.data_root'
        for split in ('train', 'val', 'test')
    ]
    for task in TASKS
}
EVALUATOR_FILES = {
    'det': {
        f'{split}_evaluator.ann_file': 'annotations/instances_val.json'
        for split in ('val', 'test')
    }
}


def data_options(task: str, data: str) -> List[str]:
    """``key=value`` overrides that point a demo config of ``task`` at the
    demo data in ``data`` instead of :data:`DEMO_DATA`."""
    root = osp.join(data, task) + ('/' if task in ('det', 'seg') else '')
    options = [f'{key}={root}' for key in DATA_KEYS[task]]
    options += [
        f'{key}={osp.join(root, path)}'
        for key, path in EVALUATOR_FILES.get(task, {}).items()
    ]
    return options


def run_dir_name(label: str, seed: int) -> str:
    """A student run's folder in its task's work dir."""
    return f'{label.replace(" ", "_")}_seed{seed}'


def run(args: List[str], log: str, threads: Optional[int] = None) -> None:
    """Run a Python script of the repo with its output in ``log``; torch
    uses ``threads`` threads if given."""
    env = dict(os.environ)
    if threads:
        env['OMP_NUM_THREADS'] = str(threads)
    os.makedirs(osp.dirname(log), exist_ok=True)
    with open(log, 'a') as f:
        f.write('+ ' + ' '.join(args) + '\n')
        f.flush()
        result = subprocess.run(
            [sys.executable] + args,
            cwd=REPO,
            env=env,
            stdout=f,
            stderr=subprocess.STDOUT)
    if result.returncode:
        raise RuntimeError(f'{args[0]} failed (exit {result.returncode}); '
                           f'its output is in {log}')


class Progress:
    """Prints one line per finished run with a running count.

    Args:
        total (int): Runs planned.
    """

    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0
        self.lock = threading.Lock()

    def report(self, text: str) -> None:
        with self.lock:
            self.done += 1
            print(
                f'[{self.done}/{self.total} done, '
                f'{self.total - self.done} left] {text}',
                flush=True)


def last_checkpoint(work_dir: str) -> str:
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def train_and_score(config: str,
                    work_dir: str,
                    seed: int,
                    options: List[str],
                    reuse: bool = False,
                    threads: Optional[int] = None) -> Dict[str, float]:
    """Train with tools/train.py; its last validation scores the run. The
    tool's output goes to ``work_dir/run.log``.

    Args:
        options (list[str]): ``key=value`` config overrides for both tools.
        threads (int, optional): Torch threads per process.
    """
    config = osp.join(CONFIGS, config)
    metrics_file = osp.join(work_dir, METRICS_FILE)
    if reuse and osp.isfile(metrics_file):
        with open(metrics_file) as f:
            metrics = json.load(f)
        metrics.setdefault('minutes', float('nan'))  # not measured then
        metrics['reused'] = True
        return metrics
    start = time.time()
    run([
        'tools/train.py', config, '--work-dir', work_dir, '--out',
        metrics_file, '--cfg-options', f'randomness.seed={seed}'
    ] + options, osp.join(work_dir, 'run.log'), threads)
    with open(metrics_file) as f:
        metrics = json.load(f)
    metrics['minutes'] = (time.time() - start) / 60
    with open(metrics_file, 'w') as f:
        json.dump(metrics, f)
    return metrics


def run_line(task: str,
             label: str,
             seed: int,
             work_dir: str,
             metrics: Dict[str, float],
             specs: Optional[Dict[str, dict]] = None) -> str:
    """One run's line: task, method, seed, metric, minutes and its log."""
    key, name, scale = (specs or TASKS)[task]['metric']
    how = 'reused' if metrics.get('reused') else \
        f'{metrics["minutes"]:.1f} min'
    return (f'{task} {label}, seed {seed}: {name.split(" (")[0]} '
            f'{metrics[key] * scale:.2f}, {how} '
            f'(log: {osp.relpath(osp.join(work_dir, "run.log"))})')


def summarise(values: List[float]) -> str:
    if len(values) == 1:
        return f'{values[0]:.2f}'
    return f'{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}'


def train_tasks(
    plan: Dict[str, Tuple[List[int], List[str]]],
    work_root: str,
    reuse: bool = False,
    jobs: int = 1,
    student_options: Optional[Callable[[str, str], List[str]]] = None,
    teacher_on_all_cores: bool = False,
    specs: Optional[Dict[str, dict]] = None,
    options: Optional[List[str]] = None,
    data: Optional[str] = None
) -> Dict[str, Tuple[Dict[str, float], Dict[str, List[Dict]]]]:
    """Train and score, for each task of ``plan`` (task -> seeds, labels),
    the teacher, then each student config of the labels for every seed
    (distilled ones with the teacher's checkpoint).

    With ``jobs`` > 1 that many runs go in parallel, each with
    ``cpu_count // jobs`` torch threads (on 2 cores two 1-thread runs
    train ~1.5x faster than one 2-thread run: these models are too small
    for two threads). Teachers and students alone start first; a distilled
    student waits for its teacher. With ``teacher_on_all_cores`` a teacher
    gets every core (the demo: it is the longest run and, once the students
    alone are done, the only one that can run; the benchmark keeps one
    thread per run, as its measured teachers were trained: CPU results
    depend on the thread count).

    ``student_options(task, label)``, if given, returns more config
    overrides (``key=value``) for the students' runs (not the teacher's);
    ``options`` go to every run.

    ``data``, if given, is a folder of demo data that replaces
    :data:`DEMO_DATA` in every run (:func:`data_options`).

    ``specs`` (default :data:`TASKS`) maps each task to its configs and
    metric; a spec's ``teacher_task``, if given, names the task whose
    teacher it shares (trained once, in that task's work dir).

    Returns:
        dict: Per task, the teacher's metrics and per label the metrics of
        each seed.
    """
    specs = specs or TASKS
    options = list(options or [])
    threads = max(1, (os.cpu_count() or 1) // jobs) if jobs > 1 else None
    teacher_threads = os.cpu_count() if jobs > 1 and teacher_on_all_cores \
        else threads
    runs = []  # (task, label, seed, function), in the order to start them
    teachers: Dict[str, Future] = {}

    def teacher_task(task: str) -> str:
        shared = specs[task].get('teacher_task', task)
        if shared not in plan:
            raise ValueError(f'{task} shares the teacher of {shared}: plan '
                             f'{shared} too')
        return shared

    progress = Progress(
        sum((teacher_task(task) == task) + len(seeds) * len(labels)
            for task, (seeds, labels) in plan.items()))

    def task_options(task: str) -> List[str]:
        return options + (data_options(task, data) if data else [])

    def teacher(task: str, seed: int) -> Dict[str, float]:
        work_dir = osp.join(work_root, task, 'teacher')
        metrics = train_and_score(specs[task]['teacher'], work_dir, seed,
                                  task_options(task), reuse, teacher_threads)
        progress.report(
            run_line(task, 'teacher', seed, work_dir, metrics, specs))
        return metrics

    def student(task: str, label: str, seed: int) -> Dict[str, float]:
        root = osp.join(work_root, task)
        run_options = task_options(task) + (
            list(student_options(task, label)) if student_options else [])
        if label != 'alone':
            teachers[task].result()  # started earlier: no deadlock
            ckpt = last_checkpoint(
                osp.join(work_root, teacher_task(task), 'teacher'))
            run_options.append(f'model.teacher_ckpt={ckpt}')
        work_dir = osp.join(root, run_dir_name(label, seed))
        metrics = train_and_score(specs[task]['students'][label], work_dir,
                                  seed, run_options, reuse, threads)
        student_label = 'student alone' if label == 'alone' else label
        progress.report(
            run_line(task, student_label, seed, work_dir, metrics, specs))
        return metrics

    # longest tasks first, so that the last runs are short ones
    tasks = sorted(
        plan,
        key=lambda t:
        (LONGEST_FIRST.index(t)
         if t in LONGEST_FIRST else len(LONGEST_FIRST), teacher_task(t) != t))
    order = sorted(((label != 'alone', task, seed, label) for task in tasks
                    for seed in plan[task][0] for label in plan[task][1]),
                   key=lambda x: x[0])
    results: Dict[str, Tuple[Dict, Dict[str, List]]] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for task in tasks:
            shared = teacher_task(task)
            teachers[task] = teachers[shared] if shared != task else \
                pool.submit(teacher, task, plan[task][0][0])
        for _, task, seed, label in order:
            runs.append(
                (task, label, seed, pool.submit(student, task, label, seed)))
        for task, (_, labels) in plan.items():
            results[task] = (teachers[task].result(), {
                label: []
                for label in labels
            })
        for task, label, seed, future in runs:
            results[task][1][label].append(future.result())
    return results


def train_task(
        task: str,
        work_root: str,
        seeds: List[int],
        labels: List[str],
        reuse: bool = False,
        jobs: int = 1) -> Tuple[Dict[str, float], Dict[str, List[Dict]]]:
    """:func:`train_tasks` for one task."""
    return train_tasks({task: (seeds, labels)}, work_root, reuse, jobs)[task]


def prepare_data(data: str, reuse: bool) -> None:
    """Write the demo data, or keep it with ``reuse``."""
    if reuse and osp.isfile(osp.join(data, 'pools.json')):
        print(f'Reusing the demo data in {data}', flush=True)
    else:
        log = osp.join(data, 'make_demo_data.log')
        run(['tools/misc/make_demo_data.py', '--out', data], log)
        print(f'Demo data written to {data} (log: {log})', flush=True)


def task_rows(task: str, teacher: Dict[str, float],
              runs: Dict[str, List[Dict]]) -> List[str]:
    """Table rows of a task: the teacher and each label's metric."""
    key, name, scale = TASKS[task]['metric']
    rows = [
        f'| {task} | {name} | teacher | {teacher[key] * scale:.2f} | 1 '
        f'| {teacher["minutes"]:.1f} |'
    ]
    for label, metrics in runs.items():
        values = [m[key] * scale for m in metrics]
        minutes = sum(m['minutes'] for m in metrics) / len(metrics)
        rows.append(f'| {task} | {name} | student, {label} | '
                    f'{summarise(values)} | {len(metrics)} | '
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
        default=['vanilla KD', 'DIST', 'TST+KD', 'SoKD+KD'],
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
    print('| task | metric (val) | model | value | seeds | minutes per run |')
    print('|---|---|---|---|---|---|')
    print('\n'.join(lines))
    if len(args.seeds) == 1:
        print('One seed: differences of about half a point are within the '
              'seed spread (docs/en/notes/benchmark.md has 3 seeds; '
              '--seeds 0 1 2 here).')
    print(f'total wall time: {(time.time() - start) / 60:.1f} min')


if __name__ == '__main__':
    main()
