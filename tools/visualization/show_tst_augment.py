# Copyright (c) tstkd_plugin contributors.
"""Draw training images before and after TST's augmenter, with their boxes
or label maps (PNG): to see what a policy does and that targets follow.

The augmenter is the config's ``model.augmenter`` at its initial policy, or
the learned one of a checkpoint (``--checkpoint``, e.g. a TST run's
``augment_epoch6_pass1.pth``). Row 1: the images as the student's data
preprocessor gives them; row 2: augmented, with the transformed targets.

Example:
    python tools/visualization/show_tst_augment.py \
        configs/tst/mmdet/tst_kd_cls-branch_retinanet_r18-w32_r18-w8_digits.py \
        --out tst_det.png --ops Rotate TranslateX
"""  # noqa: E501
import argparse
from typing import List, Optional

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import tstkd_plugin  # noqa: F401  (registers the plugin, applies fixes)
from tstkd_plugin.apis.checkpoint_weights import load_state, weights_under
from tstkd_plugin.augment import transform_samples
from tstkd_plugin.registry import MODELS, TASK_UTILS


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'config', help='a TST config (DenseTSTDistill or '
        'TSTDistill)')
    parser.add_argument('--out', default='tst_augment.png')
    parser.add_argument('--num', type=int, default=4, help='images')
    parser.add_argument(
        '--checkpoint',
        help='take the learned policy from '
        'this checkpoint (keys augmenter.*)')
    parser.add_argument(
        '--ops',
        nargs='+',
        help='apply these ops (all '
        'gates drawn as learned) instead of random ones')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def build_augmenter(cfg: Config, data_preprocessor,
                    checkpoint: Optional[str]) -> torch.nn.Module:
    """The algorithm's augmenter as its TST objective builds it (mean/std
    of the data preprocessor; dense: composed geometry)."""
    objective_cfg = cfg.model.get('augmenter_objective')
    objective = TASK_UTILS.build(objective_cfg) if objective_cfg else \
        MODELS.get(cfg.model.type).default_objective()
    augmenter = objective.augmenter_config(cfg.model.augmenter,
                                           data_preprocessor)
    module = MODELS.build(augmenter)
    if checkpoint:
        module.load_state_dict(
            weights_under(
                load_state(checkpoint), 'augmenter.',
                f'--checkpoint: {checkpoint}', 'a TST checkpoint'))
    return module.eval()


def to_image(x: torch.Tensor, preprocessor) -> np.ndarray:
    x = x * preprocessor.std + preprocessor.mean
    return (x.clamp(0, 255) / 255).permute(1, 2, 0).cpu().numpy()


def draw(ax, image: np.ndarray, sample, title: str) -> None:
    import matplotlib.patches as patches
    ax.imshow(image)
    ax.set_title(title, fontsize=7)
    ax.axis('off')
    if 'gt_instances' in sample:
        boxes = sample.gt_instances.bboxes
        boxes = getattr(boxes, 'tensor', boxes)
        for box, label in zip(boxes.tolist(),
                              sample.gt_instances.labels.tolist()):
            x1, y1, x2, y2 = box
            ax.add_patch(
                patches.Rectangle((x1, y1),
                                  x2 - x1,
                                  y2 - y1,
                                  fill=False,
                                  color='lime',
                                  lw=1))
            ax.text(
                x1, y1, str(label), color='yellow', fontsize=6, va='bottom')
    if 'gt_sem_seg' in sample:
        labels = sample.gt_sem_seg.data[0].cpu().numpy().astype(float)
        shown = np.ma.masked_where(labels == 0, labels)  # background clear
        ax.imshow(
            shown,
            cmap='tab20',
            alpha=0.6,
            vmin=0,
            vmax=255,
            interpolation='nearest')


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if 'augmenter' not in cfg.model:
        raise KeyError(f'{args.config}: model.augmenter is missing; expected '
                       'a TST config')
    init_default_scope(cfg.get('default_scope', 'mmrazor'))
    torch.manual_seed(args.seed)
    student = MODELS.build(cfg.model.architecture)
    preprocessor = student.data_preprocessor
    augmenter = build_augmenter(cfg, preprocessor, args.checkpoint)

    loader_cfg = dict(cfg.train_dataloader)
    loader_cfg.update(
        batch_size=args.num, num_workers=0, persistent_workers=False)
    loader = Runner.build_dataloader(loader_cfg, seed=args.seed)
    data = preprocessor(next(iter(loader)), True)
    inputs, samples = data['inputs'], data['data_samples']
    with torch.no_grad():
        if augmenter.geometry == 'compose':
            hw = inputs.new_tensor(
                [s.metainfo['img_shape'][:2] for s in samples])
            augmented = augmenter(inputs, op_names=args.ops, image_hw=hw)
            augmented_samples = transform_samples(samples, augmented.matrix)
        else:
            augmented = augmenter(inputs, op_names=args.ops)
            augmented_samples = samples
    # ops with their gates (relaxed Bernoulli: mostly near 0 or 1)
    applied: List[List[str]] = [[
        f'{name} {gate[i]:.2f}' for name, gate in augmented.gates.items()
        if gate[i] > 0.05
    ] for i in range(len(samples))]

    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    n = len(samples)
    fig, axes = plt.subplots(2, n, figsize=(2.6 * n, 5.2), squeeze=False)
    for i in range(n):
        draw(axes[0, i], to_image(inputs[i], preprocessor), samples[i],
             'original')
        draw(axes[1, i], to_image(augmented.images[i], preprocessor),
             augmented_samples[i], ', '.join(applied[i]) or '(no op applied)')
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    for i, ops in enumerate(applied):
        print(f'image {i}: ops: {", ".join(ops) or "none"}')
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
