# Copyright (c) tstkd_plugin contributors.
"""Score the teacher and a student on validation images augmented by TST's
augmenter: does a policy make samples the teacher gets right and the student
gets wrong (what TST wants to distil on)?

Both networks come from one distillation checkpoint (its ``teacher.*`` and
``architecture.*`` weights, e.g. the last one of a vanilla-KD run). Each
policy is ``none`` (no augmentation), ``initial`` (the config's starting
policy) or a checkpoint with ``augmenter.*`` weights (a TST run's
``augment_*.pth``). Images are augmented as the algorithm of the config does
in training, targets included (label maps follow geometric ops), so the
metric must read its targets from the predictions: classification accuracy
and segmentation IoU do; COCO metrics read the annotation file and are
refused.

Example:
    python tools/analysis/score_tst_augment.py \
        configs/tst/mmseg/tst_kd_logits_pspnet_r18-w32_r18-w8_digits.py \
        work_dirs/benchmark/seg/vanilla_KD_seed0/iter_1000.pth \
        --policies none initial \
        work_dirs/benchmark/seg/TST+KD_seed0/augment_iter750_pass1.pth
"""
import argparse
import json
import os.path as osp
from typing import Dict, List

import torch
from mmengine.config import Config, DictAction
from mmengine.evaluator import Evaluator
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import tstkd_plugin  # noqa: F401  (registers the plugin, applies fixes)
from tstkd_plugin.apis.checkpoint_weights import load_state, weights_under
from tstkd_plugin.registry import MODELS

#: evaluators whose targets come from the predictions' data samples
TARGETS_FROM_PREDICTIONS = ('Accuracy', 'IoUMetric')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'config',
        help='a TST config (its augmenter, val '
        'data and evaluator)')
    parser.add_argument(
        'checkpoint',
        help='a distillation checkpoint with '
        'teacher.* and architecture.* weights')
    parser.add_argument(
        '--policies',
        nargs='+',
        default=['none', 'initial'],
        help="'none', 'initial' or TST checkpoints")
    parser.add_argument(
        '--seed',
        type=int,
        default=0,
        help='seeds the augmenter draws of each policy')
    parser.add_argument('--out', help='also write the scores as JSON')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def build_algorithm(cfg: Config, checkpoint: str) -> torch.nn.Module:
    """The config's TST algorithm with the checkpoint's teacher and student
    (the config's ``teacher_ckpt`` is not read)."""
    if 'augmenter' not in cfg.model:
        raise KeyError('config: model.augmenter is missing; expected a TST '
                       'config')
    metrics = cfg.val_evaluator
    metrics = metrics if isinstance(metrics, list) else [metrics]
    refused = [
        m['type'] for m in metrics if m['type'] not in TARGETS_FROM_PREDICTIONS
    ]
    if refused:
        raise ValueError(f'val_evaluator: {refused} read their targets from '
                         'the dataset, not from the augmented samples; '
                         f'expected some of {TARGETS_FROM_PREDICTIONS}')
    cfg.model.teacher_ckpt = None
    algorithm = MODELS.build(cfg.model)
    state = load_state(checkpoint)
    what = 'a distillation checkpoint'
    algorithm.teacher.load_state_dict(
        weights_under(state, 'teacher.', checkpoint, what))
    algorithm.student.load_state_dict(
        weights_under(state, 'architecture.', checkpoint, what))
    algorithm.eval()  # mmrazor's train() returns None, not the module
    return algorithm


def score(algorithm: torch.nn.Module, cfg: Config, network: str,
          seed: int) -> Dict[str, float]:
    """The val metrics of ``network`` ('teacher' or 'student') on the val
    images as the algorithm's current augmenter (or none) changes them."""
    net = getattr(algorithm, network)
    evaluator = Evaluator(cfg.val_evaluator)
    loader = Runner.build_dataloader(cfg.val_dataloader, seed=seed)
    evaluator.dataset_meta = loader.dataset.metainfo
    torch.manual_seed(seed)  # the same draws for both networks
    for data in loader:
        data = algorithm.data_preprocessor(data, False)
        inputs, samples = data['inputs'], data['data_samples']
        with torch.no_grad():
            if algorithm.augmenter is not None:
                inputs, samples = algorithm.augmenter_objective.augment(
                    algorithm.augmenter, inputs, samples)
            outputs = net(inputs, samples, mode='predict')
        evaluator.process(data_samples=outputs, data_batch=data)
    return evaluator.evaluate(len(loader.dataset))


def main() -> None:
    args = parse_args()
    # the metrics' per-class tables would bury the summary
    MMLogger.get_instance('score_tst_augment', log_level='WARNING')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmrazor'))
    algorithm = build_algorithm(cfg, args.checkpoint)
    augmenter = algorithm.augmenter
    initial = {k: v.clone() for k, v in augmenter.state_dict().items()}
    results: Dict[str, Dict[str, Dict[str, float]]] = {}
    for policy in args.policies:
        algorithm.augmenter = augmenter
        if policy == 'none':
            algorithm.augmenter = None
        elif policy == 'initial':
            augmenter.load_state_dict(initial)
        else:
            augmenter.load_state_dict(
                weights_under(
                    load_state(policy), 'augmenter.', policy,
                    'a TST checkpoint'))
        results[policy] = {
            network: score(algorithm, cfg, network, args.seed)
            for network in ('teacher', 'student')
        }
    keys: List[str] = list(results[args.policies[0]]['teacher'])
    header = ' | '.join(f'teacher {k} | student {k}' for k in keys)
    print(f'| policy | {header} |')
    print('|---|' + '---|---|' * len(keys))
    for policy, by_net in results.items():
        print(f'| {osp.basename(policy)} | ' + ' | '.join(
            f'{by_net["teacher"][k]:.2f} | {by_net["student"][k]:.2f}'
            for k in keys) + ' |')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
