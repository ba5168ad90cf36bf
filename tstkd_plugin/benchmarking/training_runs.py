# Copyright (c) tstkd_plugin contributors.
"""Training and scoring the demo's and the benchmark's runs: each run is
``tools/train.py`` in a subprocess, scored by its last validation
(``--out``), teachers first, several runs in parallel."""
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

from .demo_tasks import (CONFIGS, LONGEST_FIRST, METRICS_FILE, REPO, TASKS,
                         data_options)


def run_dir_name(label: str, seed: int) -> str:
    """A student run's folder in its task's work dir."""
    name = label.replace(' ', '_').replace('(', '').replace(')', '')
    return f'{name}_seed{seed}'


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
