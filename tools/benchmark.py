# Copyright (c) tstkd_plugin contributors.
"""Benchmark every method side by side on the demo data: accuracy and cost.

Accuracy: each method's demo config is trained and scored (``run_demo``'s
runs; classification over several seeds, detection and segmentation one).
Cost, measured in this process on one training batch per config, rounds of
one step per config alternating so that machine drift hits all alike:

- step time and its ratio to the vanilla-KD step of the same task;
- peak memory: the process's peak resident memory growth over its state
  after building (``resource``), measured in a fresh subprocess per config,
  as a ratio to KD's;
- shares of the step: the teacher (its forward on the batch), the student
  (a plain training step of the student alone on the batch) and the method
  (the rest: distillation losses, augmenters, DAM, adapters, extra passes).

It writes ``results.json``, ``table.md`` and ``benchmark.png`` (accuracy per
method with error bars; the TST policy over training) to ``--out``.

Examples:
    python tools/benchmark.py            # everything (~45 min on 2 cores)
    python tools/benchmark.py --quick    # cls only, 1 seed, fewer methods
"""
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time
from typing import Dict, List

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from run_demo import CONFIGS, REPO, TASKS, last_checkpoint, run  # noqa: E402
from run_demo import train_and_test  # noqa: E402

METHODS = {
    'cls': ['alone', 'vanilla KD', 'DIST', 'TST+KD', 'TST+DIST', 'SoKD+KD',
            'SoKD+DIST'],
    'det': ['alone', 'vanilla KD', 'DIST', 'TST+KD', 'SoKD+KD'],
    'seg': ['alone', 'vanilla KD', 'DIST', 'TST+KD', 'SoKD+KD'],
}
QUICK_METHODS = ['alone', 'vanilla KD', 'DIST', 'TST+KD', 'SoKD+KD']

COST_SCRIPT = r'''
import json, resource, statistics, sys, time
sys.path.insert(0, {tools!r})
import torch
from step_time import build, phases
torch.manual_seed(0)
model, optim_wrapper, batch = build({config!r})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
times = {{}}
for label, before_step in phases(model):
    before_step()
    spent = []
    for step in range({steps} + 2):
        start = time.perf_counter()
        model.train_step(batch, optim_wrapper)
        spent.append(time.perf_counter() - start)
    times[label or 'step'] = statistics.median(spent[2:])
teacher_s = student_s = None
if hasattr(model, 'teacher'):
    data = model.data_preprocessor(batch, True)
    spent = []
    for step in range({steps} + 2):
        start = time.perf_counter()
        with torch.no_grad():
            model.teacher(data['inputs'], data['data_samples'], mode='loss')
        spent.append(time.perf_counter() - start)
    teacher_s = statistics.median(spent[2:])
    student = model.student
    optim = optim_wrapper['architecture'] if hasattr(optim_wrapper, 'keys') \
        else optim_wrapper
    spent = []
    for step in range({steps} + 2):
        start = time.perf_counter()
        with optim.optim_context(student):
            losses = student(data['inputs'], data['data_samples'], mode='loss')
        loss, _ = student.parse_losses(losses)
        optim.update_params(loss)
        spent.append(time.perf_counter() - start)
    student_s = statistics.median(spent[2:])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print('COST ' + json.dumps(dict(times=times, teacher=teacher_s,
      student=student_s, peak_kb=peak, built_kb=before)))
'''


def measure_cost(config: str, steps: int) -> dict:
    """Step times, shares and peak memory of one config (a subprocess)."""
    script = COST_SCRIPT.format(tools=osp.join(REPO, 'tools'),
                                config=osp.join(CONFIGS, config),
                                steps=steps)
    result = subprocess.run([sys.executable, '-c', script], cwd=REPO,
                            capture_output=True, text=True, check=True)
    line = [x for x in result.stdout.splitlines() if x.startswith('COST ')]
    return json.loads(line[-1][5:])


def accuracy(task: str, methods: List[str], seeds: List[int], work: str,
             reuse: bool) -> Dict[str, dict]:
    spec = TASKS[task]
    key, _, scale = spec['metric']
    root = osp.join(work, task)
    teacher = train_and_test(spec['teacher'], osp.join(root, 'teacher'),
                             seeds[0], [], reuse)
    teacher_ckpt = last_checkpoint(osp.join(root, 'teacher'))
    results = {'teacher': dict(values=[teacher[key] * scale])}
    for method in methods:
        values = []
        for seed in seeds:
            options = [] if method == 'alone' else \
                [f'model.teacher_ckpt={teacher_ckpt}']
            metrics = train_and_test(
                spec['students'][method],
                osp.join(root, f'{method.replace(" ", "_")}_seed{seed}'),
                seed, options, reuse)
            values.append(metrics[key] * scale)
        results[method] = dict(values=values)
    for entry in results.values():
        values = entry['values']
        entry['mean'] = statistics.mean(values)
        entry['std'] = statistics.stdev(values) if len(values) > 1 else 0.0
    return results


def costs(task: str, methods: List[str], steps: int) -> Dict[str, dict]:
    spec = TASKS[task]
    out = {}
    for method in methods:
        if method == 'alone':
            continue
        cost = measure_cost(spec['students'][method], steps)
        out[method] = cost
    kd = out['vanilla KD']
    kd_step = kd['times']['step']
    kd_growth = max(kd['peak_kb'] - kd['built_kb'], 1)
    for method, cost in out.items():
        step = max(cost['times'].values())  # the costlier kind of step
        cost['ratio'] = {k: v / kd_step for k, v in cost['times'].items()}
        cost['memory_ratio'] = max(cost['peak_kb'] - cost['built_kb'],
                                   1) / kd_growth
        teacher = cost['teacher'] or 0.0
        student = cost['student'] or 0.0
        cost['shares'] = dict(
            teacher=teacher / step, student=student / step,
            method=max(step - teacher - student, 0.0) / step)
    return out


def fmt(entry: dict) -> str:
    if len(entry['values']) == 1:
        return f"{entry['mean']:.2f}"
    return f"{entry['mean']:.2f} ± {entry['std']:.2f}"


def table(results: dict) -> str:
    lines = ['| task | method | metric | seeds | vs KD | step / KD | peak '
             'memory / KD | teacher / student / method share of the step |',
             '|---|---|---|---|---|---|---|---|']
    for task, entry in results.items():
        acc, cost = entry['accuracy'], entry['cost']
        kd = acc.get('vanilla KD', {}).get('mean')
        for method, a in acc.items():
            c = cost.get(method)
            delta = '' if kd is None or method in ('teacher', 'vanilla KD') \
                else f"{a['mean'] - kd:+.2f}"
            ratio = memory = shares = ''
            if c:
                ratio = ', '.join(f'{v:.2f}' + ('' if k == 'step' else
                                                f' ({k})')
                                  for k, v in c['ratio'].items())
                memory = f"{c['memory_ratio']:.2f}"
                s = c['shares']
                shares = (f"{100 * s['teacher']:.0f} / "
                          f"{100 * s['student']:.0f} / "
                          f"{100 * s['method']:.0f} %")
            lines.append(f"| {task} | {method} | {fmt(a)} | "
                         f"{len(a['values'])} | {delta} | {ratio} | "
                         f'{memory} | {shares} |')
    return '\n'.join(lines)


def plot(results: dict, work: str, out: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    tasks = list(results)
    fig, axes = plt.subplots(1, len(tasks) + 1,
                             figsize=(4.5 * (len(tasks) + 1), 3.8))
    for ax, task in zip(axes, tasks):
        acc = results[task]['accuracy']
        names = list(acc)
        ax.bar(range(len(names)), [acc[n]['mean'] for n in names],
               yerr=[acc[n]['std'] for n in names], capsize=3,
               color=['grey'] + ['tab:blue'] * (len(names) - 1))
        ax.set_xticks(range(len(names)), names, rotation=60, fontsize=7)
        low = min(acc[n]['mean'] - acc[n]['std'] for n in names)
        high = max(acc[n]['mean'] + acc[n]['std'] for n in names)
        ax.set_ylim(max(0, low - 2), min(100, high + 1))
        ax.set_title(f'{task}: {TASKS[task]["metric"][1]}', fontsize=8)
    scalars = osp.join(work, 'cls', 'TST+KD_seed0')
    policy = _tst_policy(scalars)
    ax = axes[-1]
    for name, points in sorted(policy.items()):
        ax.plot([p[0] for p in points], [p[1] for p in points], marker='o',
                label=name)
    ax.set_title('TST policy (cls, seed 0): apply probability', fontsize=8)
    ax.set_xlabel('student iteration', fontsize=7)
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
    parser.add_argument('--quick', action='store_true',
                        help='classification only, one seed, five methods')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument('--steps', type=int, default=10,
                        help='steps per cost measurement')
    parser.add_argument('--work-dir', default='work_dirs/benchmark')
    parser.add_argument('--out', default='results/benchmark')
    parser.add_argument('--data', default='data/demo')
    parser.add_argument('--reuse', action='store_true',
                        help='keep scored runs and the demo data')
    args = parser.parse_args()
    start = time.time()
    if args.reuse and osp.isfile(osp.join(args.data, 'pools.json')):
        print(f'= reusing the demo data in {args.data}', flush=True)
    else:
        run(['tools/make_demo_data.py', '--out', args.data])
    plan = {'cls': (QUICK_METHODS, args.seeds[:1])} if args.quick else {
        task: (methods, args.seeds if task == 'cls' else args.seeds[:1])
        for task, methods in METHODS.items()
    }
    results = {}
    for task, (methods, seeds) in plan.items():
        results[task] = dict(
            accuracy=accuracy(task, methods, seeds, args.work_dir,
                              args.reuse),
            cost=costs(task, methods, args.steps))
    os.makedirs(args.out, exist_ok=True)
    minutes = (time.time() - start) / 60
    with open(osp.join(args.out, 'results.json'), 'w') as f:
        json.dump(dict(results=results, minutes=minutes,
                       quick=args.quick), f, indent=1)
    text = table(results)
    with open(osp.join(args.out, 'table.md'), 'w') as f:
        f.write(text + f'\n\nWall time: {minutes:.1f} min.\n')
    plot(results, args.work_dir, osp.join(args.out, 'benchmark.png'))
    print(text)
    print(f'wrote {args.out}/results.json, table.md, benchmark.png; '
          f'wall time {minutes:.1f} min')


if __name__ == '__main__':
    main()
