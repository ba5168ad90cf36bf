# Copyright (c) tstkd_plugin contributors.
"""Benchmark every method side by side on the demo data: accuracy and cost.

Accuracy: each method's demo config is trained and scored (``run_demo``'s
runs; classification over several seeds, detection and segmentation one).
Cost, on one training batch per config, medians over rounds that alternate
over all configs of a task so that machine drift hits all alike:

- step time and its ratio to the vanilla-KD step of the same task (TST:
  its student and augmenter steps; SoKD: during and after the search);
- shares of the (costlier) step: the teacher (its forward on the batch),
  the student (a plain training step of the student alone on the batch) and
  the rest (distillation losses, augmenters, DAM, adapters, extra passes,
  and the distillation wrapper's own overhead);
- peak memory: the peak resident memory growth during the steps over the
  resident size before them (after building and one step), in a fresh
  process per config (Linux ``/proc``), as a ratio to KD's.

It writes ``results.json``, ``table.md`` and ``benchmark.png`` (accuracy per
method with error bars; the TST policy over training) to ``--out``.

With ``--dataset fashion-mnist`` the same on Fashion-MNIST's official split
(by default the first 2,000 training images, scored on the 10,000 test
images): one ResNet-18 w32 teacher, two student families (ResNet-18 w8 and
MobileNetV2), alone, KD, DIST, TST+KD, TST+DIST, FitNet, FitNet+SoKD and
FitNet+SoKD with the reference's recipe;
a difference to KD beyond the spread is marked. Results go to
``results/benchmark_fashion_mnist`` by default.

Examples:
    python tools/analysis/benchmark.py          # everything (43 min, 2 cores)
    python tools/analysis/benchmark.py --quick  # cls, 1 seed, fewer methods
    python tools/analysis/benchmark.py --hosts --out results/benchmark_hosts
    python tools/analysis/benchmark.py --dataset fashion-mnist  # 41 min
    python tools/analysis/benchmark.py --dataset fashion-mnist --quick  # 7
    python tools/analysis/benchmark.py --dataset fashion-mnist \
        --train-images 0 --seeds 0  # all 60,000 training images
"""
import argparse
import json
import logging
import os
import os.path as osp
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional

from tstkd_plugin.benchmarking import (CONFIGS, METHOD_HOSTS, REPO,
                                       prepare_data, run_dir_name, train_tasks)
from tstkd_plugin.benchmarking.fashion_mnist_tasks import (FASHION_MNIST_TASKS,
                                                           SPECS)

METHODS = {
    'cls': [
        'alone', 'vanilla KD', 'DIST', 'TST+KD', 'TST+DIST', 'SoKD+KD',
        'SoKD+DIST', 'TST+SoKD+DIST'
    ],
    'det': ['alone', 'vanilla KD', 'DIST', 'TST+KD', 'SoKD+KD'],
    'seg': ['alone', 'vanilla KD', 'DIST', 'TST+KD', 'SoKD+KD'],
}
QUICK_METHODS = ['alone', 'vanilla KD', 'DIST', 'TST+KD', 'SoKD+KD']
# --hosts: the feature hosts SoKD refines, alone and refined, in every task;
# vanilla KD is the cost reference
HOST_METHODS = [
    'alone', 'vanilla KD', 'FitNet', 'FitNet+SoKD', 'FitNet+SoKD (reference)',
    'AT', 'AT+SoKD', 'AT+SoKD (reference)'
]

FASHION_QUICK_METHODS = [
    'alone', 'vanilla KD', 'DIST', 'TST+KD', 'FitNet', 'FitNet+SoKD'
]
FASHION_QUICK_IMAGES = 1000
# --quick trains the same-family students only: with both families it took
# 13.7 min on 2 cores (the mobile configs still run one step in the tests)
FASHION_QUICK_TASKS = ['fmnist-resnet18-w8']

MEMORY_SCRIPT = r'''
import json
import torch
from tstkd_plugin.benchmarking.train_steps import build, phases


def status_kb(key):
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1])


torch.manual_seed(0)
model, optim_wrapper, batch = build({config!r})
model.train_step(batch, optim_wrapper)  # optimizer state exists
with open('/proc/self/clear_refs', 'w') as f:
    f.write('5')  # reset the peak (VmHWM) to the current resident size
before = status_kb('VmRSS')
for kind in phases(model):
    kind.prepare()
    for step in range(3):
        kind.step(batch, optim_wrapper)
print('MEMORY ' + json.dumps(dict(growth_kb=status_kb('VmHWM') - before)))
'''


def peak_memory_growth(config: str) -> int:
    """Peak resident memory growth (kB) during 3 steps of each kind over the
    resident size after building and one step, in a fresh process (Linux:
    the peak is reset through ``/proc/self/clear_refs``)."""
    script = MEMORY_SCRIPT.format(config=osp.join(CONFIGS, config))
    result = subprocess.run([sys.executable, '-c', script],
                            cwd=REPO,
                            capture_output=True,
                            text=True,
                            check=True)
    line = [x for x in result.stdout.splitlines() if x.startswith('MEMORY')]
    return max(json.loads(line[-1][7:])['growth_kb'], 1)


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def log_to_file(log_file: str) -> None:
    """mmengine's messages of the models built in this process (weight
    initialisation, thousands of lines) go to ``log_file``; the terminal
    keeps warnings and the tool's own progress lines."""
    from mmengine.logging import MMLogger
    os.makedirs(osp.dirname(osp.abspath(log_file)), exist_ok=True)
    logger = MMLogger.get_instance(
        f'benchmark_{osp.basename(log_file)}',
        log_file=log_file,
        log_level='INFO')
    for handler in logger.handlers:
        if type(handler) is logging.StreamHandler:  # not the file's
            handler.setLevel(logging.WARNING)


def step_costs(configs: Dict[str, str],
               steps: int,
               log_file: Optional[str] = None) -> Dict[str, dict]:
    """Median times, in rounds that alternate over all configs and kinds of
    step: each method's train steps, its teacher's forward and a plain
    training step of its student, all on the same batch. The models'
    build logs go to ``log_file`` where given."""
    import torch

    from tstkd_plugin.benchmarking.train_steps import build, phases
    if log_file:
        log_to_file(log_file)
    torch.manual_seed(0)
    jobs = []  # (method, what, function)
    for method, config in configs.items():
        model, optim_wrapper, batch = build(osp.join(CONFIGS, config))
        for kind in phases(model):

            def step(optim_wrapper=optim_wrapper, batch=batch, kind=kind):
                kind.prepare()
                kind.step(batch, optim_wrapper)

            jobs.append((method, kind.label or 'step', step))
        data = model.data_preprocessor(batch, True)

        def teacher(model=model, data=data):
            with torch.no_grad():
                model.teacher(
                    data['inputs'], data['data_samples'], mode='loss')

        optim = optim_wrapper['architecture'] if hasattr(
            optim_wrapper, 'keys') else optim_wrapper

        def student(student=model.student, optim=optim, data=data):
            with optim.optim_context(student):
                losses = student(
                    data['inputs'], data['data_samples'], mode='loss')
            loss, _ = student.parse_losses(losses)
            optim.update_params(loss)

        jobs += [(method, 'teacher', teacher), (method, 'student', student)]
    times: Dict[tuple, list] = {(m, w): [] for m, w, _ in jobs}
    for round_ in range(steps + 2):
        for method, what, fn in jobs:
            spent = _timed(fn)
            if round_ >= 2:  # warm-up rounds left out
                times[(method, what)].append(spent)
    out: Dict[str, dict] = {m: dict(times={}) for m in configs}
    for (method, what), values in times.items():
        median = statistics.median(values)
        if what in ('teacher', 'student'):
            out[method][what] = median
        else:
            out[method]['times'][what] = median
    return out


def accuracy(task: str, teacher: Dict[str, float],
             runs: Dict[str, List[Dict]]) -> Dict[str, dict]:
    """Mean and std of a task's metric (percent) per method."""
    key, _, scale = SPECS[task]['metric']
    results = {'teacher': dict(values=[teacher[key] * scale])}
    results.update({
        method: dict(values=[m[key] * scale for m in metrics])
        for method, metrics in runs.items()
    })
    for entry in results.values():
        values = entry['values']
        entry['mean'] = statistics.mean(values)
        entry['std'] = statistics.stdev(values) if len(values) > 1 else 0.0
    return results


def costs(task: str,
          methods: List[str],
          steps: int,
          jobs: int = 1,
          log_file: Optional[str] = None) -> Dict[str, dict]:
    """Step times (alone: timed), then peak memory growths (``jobs`` fresh
    processes at a time: a peak resident size does not depend on CPU
    contention, and each process spends most of its time importing). The
    models' build logs go to ``log_file`` where given."""
    spec = SPECS[task]
    configs = {m: spec['students'][m] for m in methods if m != 'alone'}
    out = step_costs(configs, steps, log_file)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        growth = dict(
            zip(configs, pool.map(peak_memory_growth, configs.values())))
    kd_step = out['vanilla KD']['times']['step']
    for method, cost in out.items():
        step = max(cost['times'].values())  # the costlier kind of step
        cost['ratio'] = {k: v / kd_step for k, v in cost['times'].items()}
        cost['memory_growth_kb'] = growth[method]
        cost['memory_ratio'] = growth[method] / growth['vanilla KD']
        teacher, student = cost['teacher'], cost['student']
        cost['shares'] = dict(
            teacher=teacher / step,
            student=student / step,
            method=max(step - teacher - student, 0.0) / step)
    return out


def fmt(entry: dict) -> str:
    if len(entry['values']) == 1:
        return f"{entry['mean']:.2f}"
    return f"{entry['mean']:.2f} ± {entry['std']:.2f}"


def _host_of(method: str, accuracy: dict) -> Optional[dict]:
    """The measured host of a feature host refined by SoKD (FitNet+SoKD:
    FitNet), or None."""
    host = METHOD_HOSTS.get(method)
    return accuracy.get(host) if host in ('FitNet', 'AT') else None


def beyond_spread(entry: dict, kd: dict) -> bool:
    """Whether a method's mean is further from KD's than their two standard
    deviations together (error bars that do not overlap)."""
    return abs(entry['mean'] - kd['mean']) > entry['std'] + kd['std']


def table(results: dict, mark_spread: bool = False) -> str:
    """The Markdown table; with ``mark_spread`` a difference to KD beyond
    the spread (:func:`beyond_spread`, several seeds) is marked ``*``."""
    # a 'vs host' column where a refined host and its host were measured
    with_hosts = any(
        _host_of(m, e['accuracy']) for e in results.values()
        for m in e['accuracy'])
    host_head, host_rule = ('vs host | ', '---|') if with_hosts else ('', '')
    lines = [
        f'| task | method | metric | seeds | vs KD | {host_head}step / KD | '
        'peak memory / KD | teacher / student / method share of the step |',
        f'|---|---|---|---|---|{host_rule}---|---|---|'
    ]
    for task, entry in results.items():
        acc, cost = entry['accuracy'], entry['cost']
        kd = acc.get('vanilla KD', {}).get('mean')
        for method, a in acc.items():
            c = cost.get(method)
            delta = '' if kd is None or method in ('teacher', 'vanilla KD') \
                else f"{a['mean'] - kd:+.2f}"
            if delta and mark_spread and len(a['values']) > 1 and \
                    beyond_spread(a, acc['vanilla KD']):
                delta += '*'
            host = _host_of(method, acc)
            vs_host = '' if host is None else \
                f"{a['mean'] - host['mean']:+.2f}"
            ratio = memory = shares = ''
            if c:
                ratio = ', '.join(f'{v:.2f}' +
                                  ('' if k == 'step' else f' ({k})')
                                  for k, v in c['ratio'].items())
                memory = f"{c['memory_ratio']:.2f}"
                s = c['shares']
                shares = (f"{100 * s['teacher']:.0f} / "
                          f"{100 * s['student']:.0f} / "
                          f"{100 * s['method']:.0f} %")
            host_cell = f'{vs_host} | ' if with_hosts else ''
            lines.append(f"| {task} | {method} | {fmt(a)} | "
                         f"{len(a['values'])} | {delta} | {host_cell}"
                         f'{ratio} | {memory} | {shares} |')
    return '\n'.join(lines)


def families_table(results: dict) -> str:
    """Top-1 per method (rows) and task (columns: its mean, spread and
    difference to KD, ``*`` beyond the spread): the Fashion-MNIST student
    families side by side."""
    tasks = list(results)
    head = ' | '.join(f'{t}: top-1 | vs KD' for t in tasks)
    lines = [f'| method | {head} |', '|---|' + '---|---|' * len(tasks)]
    for method in results[tasks[0]]['accuracy']:
        cells = []
        for task in tasks:
            acc = results[task]['accuracy']
            a, kd = acc[method], acc.get('vanilla KD')
            delta = ''
            if kd is not None and method not in ('teacher', 'vanilla KD'):
                delta = f"{a['mean'] - kd['mean']:+.2f}"
                if len(a['values']) > 1 and beyond_spread(a, kd):
                    delta += '*'
            cells += [fmt(a), delta]
        lines.append(f'| {method} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def plot(results: dict, work: str, out: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    tasks = list(results)
    fig, axes = plt.subplots(
        1, len(tasks) + 1, figsize=(4.5 * (len(tasks) + 1), 3.8))
    for ax, task in zip(axes, tasks):
        acc = results[task]['accuracy']
        names = list(acc)
        ax.bar(
            range(len(names)), [acc[n]['mean'] for n in names],
            yerr=[acc[n]['std'] for n in names],
            capsize=3,
            color=['grey'] + ['tab:blue'] * (len(names) - 1))
        ax.set_xticks(range(len(names)), names, rotation=60, fontsize=7)
        low = min(acc[n]['mean'] - acc[n]['std'] for n in names)
        high = max(acc[n]['mean'] + acc[n]['std'] for n in names)
        ax.set_ylim(max(0, low - 2), min(100, high + 1))
        ax.set_title(f'{task}: {SPECS[task]["metric"][1]}', fontsize=8)
    tst_task = next((t for t in tasks if 'TST+KD' in results[t]['accuracy']),
                    tasks[0])
    policy = _tst_policy(osp.join(work, tst_task, run_dir_name('TST+KD', 0)))
    ax = axes[-1]
    if not policy:  # no TST run (--hosts)
        ax.set_axis_off()
    for name, points in sorted(policy.items()):
        ax.plot([p[0] for p in points], [p[1] for p in points],
                marker='o',
                label=name)
    ax.set_title(
        f'TST policy ({tst_task}, seed 0): apply probability', fontsize=8)
    ax.set_xlabel('student iteration', fontsize=7)
    if policy:
        ax.legend(fontsize=5, ncol=2)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def _tst_policy(work_dir: str) -> Dict[str, list]:
    """``tst/p_<op>`` scalars logged by the TST train loops (visualizer
    files)."""
    policy: Dict[str, list] = {}
    for root, _, files in os.walk(work_dir):
        if 'scalars.json' not in files:
            continue
        with open(osp.join(root, 'scalars.json')) as f:
            for line in f:
                record = json.loads(line)
                for key, value in record.items():
                    if key.startswith('tst/p_'):
                        policy.setdefault(key[6:], []).append(
                            (record.get('step', 0), value))
    return policy


def prepare_fashion_mnist(folder: str) -> None:
    """Check ``folder`` for Fashion-MNIST's four IDX files; where they are
    missing from the Debian package's folder and apt can install it (root),
    install ``dataset-fashion-mnist``; otherwise stop naming the folder."""
    from tstkd_plugin.datasets import DEBIAN_FASHION_MNIST, LocalFashionMNIST
    missing = LocalFashionMNIST.missing_files(folder)
    if missing and osp.abspath(folder) == DEBIAN_FASHION_MNIST and \
            shutil.which('apt-get') and os.geteuid() == 0:
        print('Installing Debian\'s dataset-fashion-mnist', flush=True)
        subprocess.run(['apt-get', 'install', '-y', 'dataset-fashion-mnist'],
                       check=True,
                       env=dict(os.environ, DEBIAN_FRONTEND='noninteractive'))
        missing = LocalFashionMNIST.missing_files(folder)
    if missing:
        sys.exit(f'--data {folder}: no {", ".join(missing)} (each may be '
                 f'.gz). Install Debian\'s dataset-fashion-mnist (as root: '
                 'apt-get install dataset-fashion-mnist), or download the '
                 'four files from '
                 'https://github.com/zalandoresearch/fashion-mnist and pass '
                 'their folder as --data.')
    print(f'Fashion-MNIST read from {folder}', flush=True)


def fashion_mnist_options(folder: str,
                          train_images: Optional[int]) -> List[str]:
    """Config overrides of every Fashion-MNIST run: the data's folder, and
    the number of training images if given (0: all 60,000)."""
    options = [
        f'{loader}.dataset.data_root={folder}'
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    ]
    if train_images is not None:
        options.append('train_dataloader.dataset.indices=' +
                       (str(train_images) if train_images else 'None'))
    return options


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--dataset',
        choices=['digits', 'fashion-mnist'],
        default='digits',
        help='the demo digits (cls, det, seg) or Fashion-MNIST (two student '
        'families of one teacher, official test set)')
    parser.add_argument(
        '--quick',
        action='store_true',
        help='one seed, fewer methods (digits: classification only; '
        f'Fashion-MNIST: {FASHION_QUICK_IMAGES} training images, the '
        'ResNet-18 w8 students)')
    parser.add_argument(
        '--hosts',
        action='store_true',
        help='the feature hosts (FitNet, AT) alone and refined by SoKD, '
        'with vanilla KD, in every task (digits)')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument(
        '--steps',
        type=int,
        default=None,
        help='steps per cost measurement (10; 5 with --quick)')
    parser.add_argument('--work-dir', default=None)
    parser.add_argument('--out', default=None)
    parser.add_argument(
        '--data',
        default=None,
        help='digits: where the demo data is written (data/demo); '
        'Fashion-MNIST: the folder of its IDX files (LocalFashionMNIST\'s '
        'default: Debian\'s dataset-fashion-mnist)')
    parser.add_argument(
        '--train-images',
        type=int,
        default=None,
        help='Fashion-MNIST: the first N training images (default: the '
        f"configs' 2,000, {FASHION_QUICK_IMAGES} with --quick; 0: all 60,000)")
    parser.add_argument(
        '--reuse',
        action='store_true',
        help='keep scored runs and the demo data')
    parser.add_argument(
        '--jobs',
        type=int,
        default=2,
        help='training runs in parallel (the cost '
        'measurements always run alone)')
    args = parser.parse_args()
    steps = args.steps or (5 if args.quick else 10)
    fashion = args.dataset == 'fashion-mnist'
    if args.hosts and fashion:
        parser.error('--hosts: the digits only (Fashion-MNIST runs its '
                     'FitNet hosts anyway)')
    name = 'benchmark_fashion_mnist' if fashion else 'benchmark'
    work_dir = args.work_dir or f'work_dirs/{name}'
    out = args.out or f'results/{name}'
    start = time.time()
    options: List[str] = []
    if fashion:
        # the plugin is imported for Fashion-MNIST only (the digits runs are
        # subprocesses)
        from tstkd_plugin.datasets import DEBIAN_FASHION_MNIST
        data = args.data or DEBIAN_FASHION_MNIST
        prepare_fashion_mnist(data)
        train_images = args.train_images
        if args.quick and train_images is None:
            train_images = FASHION_QUICK_IMAGES
        options = fashion_mnist_options(data, train_images)
        methods = FASHION_QUICK_METHODS if args.quick else None
        plan = {
            task: (methods or list(spec['students']),
                   args.seeds[:1] if args.quick else args.seeds)
            for task, spec in FASHION_MNIST_TASKS.items()
            if not args.quick or task in FASHION_QUICK_TASKS
        }
    else:
        prepare_data(args.data or 'data/demo', args.reuse)
        plan = {
            'cls': (QUICK_METHODS, args.seeds[:1])
        } if args.quick else {
            task: ([
                m for m in HOST_METHODS
                if m == 'alone' or m in SPECS[task]['students']
            ] if args.hosts else methods,
                   args.seeds if task == 'cls' else args.seeds[:1])
            for task, methods in METHODS.items()
        }
    trained = train_tasks(
        {
            task: (seeds, methods)
            for task, (methods, seeds) in plan.items()
        },
        work_dir,
        args.reuse,
        args.jobs,
        specs=SPECS,
        options=options)
    minutes_accuracy = (time.time() - start) / 60
    results = {}
    for task, (methods, _) in plan.items():  # one at a time: timed
        log_file = osp.join(work_dir, f'costs_{task}.log')
        print(f'{task}: step costs (models\' logs in {log_file})', flush=True)
        results[task] = dict(
            accuracy=accuracy(task, *trained[task]),
            cost=costs(task, methods, steps, args.jobs, log_file))
    os.makedirs(out, exist_ok=True)
    minutes = (time.time() - start) / 60
    with open(osp.join(out, 'results.json'), 'w') as f:
        json.dump(
            dict(
                results=results,
                minutes=minutes,
                minutes_accuracy=minutes_accuracy,
                jobs=args.jobs,
                quick=args.quick,
                dataset=args.dataset,
                options=options),
            f,
            indent=1)
    text = table(results, mark_spread=fashion)
    if fashion:
        text = families_table(results) + '\n\n' + text + (
            '\n\n`*`: the difference to KD exceeds the spread (the two '
            'standard deviations together).')
    with open(osp.join(out, 'table.md'), 'w') as f:
        f.write(text + f'\n\nWall time: {minutes:.1f} min (training and '
                f'scoring {minutes_accuracy:.1f} min, {args.jobs} runs at a '
                f'time; costs {minutes - minutes_accuracy:.1f} min).\n')
    plot(results, work_dir, osp.join(out, 'benchmark.png'))
    print(text)
    print(f'wrote {out}/results.json, table.md, benchmark.png; '
          f'wall time {minutes:.1f} min')


if __name__ == '__main__':
    main()
