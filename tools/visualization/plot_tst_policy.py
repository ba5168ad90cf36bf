# Copyright (c) tstkd_plugin contributors.
"""Plot TST's learned probabilities and magnitudes over training (PNG).

Reads the ``tst/p_<op>`` and ``tst/m_<op>`` scalars that the TST train
loops log after each augmenter phase, from the ``scalars.json`` of mmengine's
local visualiser backend (``<work_dir>/<timestamp>/vis_data/``), like the
paper's visualisation study. The initial policy is drawn at step 0 when
``--initial`` gives it (default 0.5 for both).

Example:
    python tools/visualization/plot_tst_policy.py work_dirs/tst_kd/ \
        --out policy.png
"""
import argparse
import glob
import json
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Tuple

Series = Dict[str, List[Tuple[int, float]]]


def find_scalars(path: str) -> str:
    if osp.isfile(path):
        return path
    found = sorted(
        glob.glob(
            osp.join(path, '**', 'vis_data', 'scalars.json'), recursive=True))
    if not found:
        raise FileNotFoundError(f'no vis_data/scalars.json under {path}')
    return found[-1]  # the latest run


def read_policy(scalars_json: str) -> Tuple[Series, Series]:
    probabilities: Series = defaultdict(list)
    magnitudes: Series = defaultdict(list)
    with open(scalars_json) as f:
        for line in f:
            record = json.loads(line)
            step = int(record.get('step', 0))
            for key, value in record.items():
                if key.startswith('tst/p_'):
                    probabilities[key[6:]].append((step, value))
                elif key.startswith('tst/m_'):
                    magnitudes[key[6:]].append((step, value))
    if not probabilities:
        raise ValueError(f'{scalars_json} holds no tst/p_* scalars: was '
                         'a TST train loop in train_cfg?')
    return probabilities, magnitudes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('path', help='work dir or scalars.json')
    parser.add_argument('--out', default='tst_policy.png')
    parser.add_argument('--initial', type=float, default=0.5)
    args = parser.parse_args()

    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    probabilities, magnitudes = read_policy(find_scalars(args.path))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharex=True)
    # one distinct colour and style per op name, the same in both panels
    names = sorted(probabilities)
    colors = plt.cm.tab20.colors
    styles = {
        name:
        dict(color=colors[i % len(colors)], linestyle=('-', '--')[i % 2])
        for i, name in enumerate(names)
    }
    for ax, series, title in ((axes[0], probabilities, 'apply probability'),
                              (axes[1], magnitudes, 'magnitude')):
        for name, points in sorted(series.items()):
            steps = [0] + [s for s, _ in points]
            values = [args.initial] + [v for _, v in points]
            ax.plot(steps, values, marker='o', label=name, **styles[name])
        ax.set_title(f'TST learned {title}')
        ax.set_xlabel('student iteration')
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print(f'policy of {len(probabilities)} ops over '
          f'{len(next(iter(probabilities.values())))} phases -> {args.out}')


if __name__ == '__main__':
    main()
