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

Examples:
    python tools/analysis/benchmark.py          # everything (43 min, 2 cores)
    python tools/analysis/benchmark.py --quick  # cls, 1 seed, fewer methods
    python tools/analysis/benchmark.py --hosts --out results/benchmark_hosts
"""
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional

# run_demo (tools/misc/) trains and scores the runs
sys.path.insert(
    0, osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'misc'))
from run_demo import (CONFIGS, REPO, TASKS, prepare_data, run_dir_name,
                      train_tasks)

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
    'alone', 'vanilla KD', 'FitNet', 'FitNet+SoKD', 'AT', 'AT+SoKD'
]

MEMORY_SCRIPT = r'''
import json, sys
sys.path.insert(0, {tools!r})
import torch
from step_time import build, phases


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
for label, before_step in phases(model):
    before_step()
    for step in range(3):
        model.train_step(batch, optim_wrapper)
print('MEMORY ' + json.dumps(dict(growth_kb=status_kb('VmHWM') - before)))
'''


def peak_memory_growth(config: str) -> int:
    """Peak resident memory growth (kB) during 3 steps of each kind over the
    resident size after building and one step, in a fresh process (Linux:
    the peak is reset through ``/proc/self/clear_refs``)."""
    script = MEMORY_SCRIPT.format(
        tools=osp.join(REPO, 'tools', 'analysis'),
        config=osp.join(CONFIGS, config))
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


def step_costs(configs: Dict[str, str], steps: int) -> Dict[str, dict]:
    """Median times, in rounds that alternate over all configs and kinds of
    step: each method's train steps, its teacher's forward and a plain
    training step of its student, all on the same batch."""
    import torch

    from step_time import build, phases
    torch.manual_seed(0)
    jobs = []  # (method, what, function)
    for method, config in configs.items():
        model, optim_wrapper, batch = build(osp.join(CONFIGS, config))
        for label, before_step in phases(model):

            def step(model=model,
                     optim_wrapper=optim_wrapper,
                     batch=batch,
                     before_step=before_step):
                before_step()
                model.train_step(batch, optim_wrapper)

            jobs.append((method, label or 'step', step))
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
    key, _, scale = TASKS[task]['metric']
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
          jobs: int = 1) -> Dict[str, dict]:
    """Step times (alone: timed), then peak memory growths (``jobs`` fresh
    processes at a time: a peak resident size does not depend on CPU
    contention, and each process spends most of its time importing)."""
    spec = TASKS[task]
    configs = {m: spec['students'][m] for m in methods if m != 'alone'}
    out = step_costs(configs, steps)
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
    if not method.endswith('+SoKD'):
        return None
    return accuracy.get(method[:-len('+SoKD')])


def table(results: dict) -> str:
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
        ax.set_title(f'{task}: {TASKS[task]["metric"][1]}', fontsize=8)
    scalars = osp.join(work, 'cls', run_dir_name('TST+KD', 0))
    policy = _tst_policy(scalars)
    ax = axes[-1]
    if not policy:  # no TST run (--hosts)
        ax.set_axis_off()
    for name, points in sorted(policy.items()):
        ax.plot([p[0] for p in points], [p[1] for p in points],
                marker='o',
                label=name)
    ax.set_title('TST policy (cls, seed 0): apply probability', fontsize=8)
    ax.set_xlabel('student iteration', fontsize=7)
    if policy:
        ax.legend(fontsize=5, ncol=2)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def _tst_policy(work_dir: str) -> Dict[str, list]:
    """``tst/p_<op>`` scalars logged by TSTPhaseHook (visualizer files)."""
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--quick',
        action='store_true',
        help='classification only, one seed, five methods')
    parser.add_argument(
        '--hosts',
        action='store_true',
        help='the feature hosts (FitNet, AT) alone and refined by SoKD, '
        'with vanilla KD, in every task')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument(
        '--steps', type=int, default=10, help='steps per cost measurement')
    parser.add_argument('--work-dir', default='work_dirs/benchmark')
    parser.add_argument('--out', default='results/benchmark')
    parser.add_argument('--data', default='data/demo')
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
    start = time.time()
    prepare_data(args.data, args.reuse)
    plan = {
        'cls': (QUICK_METHODS, args.seeds[:1])
    } if args.quick else {
        task: (HOST_METHODS if args.hosts else methods,
               args.seeds if task == 'cls' else args.seeds[:1])
        for task, methods in METHODS.items()
    }
    trained = train_tasks(
        {
            task: (seeds, methods)
            for task, (methods, seeds) in plan.items()
        }, args.work_dir, args.reuse, args.jobs)
    minutes_accuracy = (time.time() - start) / 60
    results = {}
    for task, (methods, _) in plan.items():  # one at a time: timed
        results[task] = dict(
            accuracy=accuracy(task, *trained[task]),
            cost=costs(task, methods, args.steps, args.jobs))
    os.makedirs(args.out, exist_ok=True)
    minutes = (time.time() - start) / 60
    with open(osp.join(args.out, 'results.json'), 'w') as f:
        json.dump(
            dict(
                results=results,
                minutes=minutes,
                minutes_accuracy=minutes_accuracy,
                jobs=args.jobs,
                quick=args.quick),
            f,
            indent=1)
    text = table(results)
    with open(osp.join(args.out, 'table.md'), 'w') as f:
        f.write(text + f'\n\nWall time: {minutes:.1f} min (training and '
                f'scoring {minutes_accuracy:.1f} min, {args.jobs} runs at a '
                f'time; costs {minutes - minutes_accuracy:.1f} min).\n')
    plot(results, args.work_dir, osp.join(args.out, 'benchmark.png'))
    print(text)
    print(f'wrote {args.out}/results.json, table.md, benchmark.png; '
          f'wall time {minutes:.1f} min')


if __name__ == '__main__':
    main()
