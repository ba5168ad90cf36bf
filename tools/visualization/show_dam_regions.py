# Copyright (c) tstkd_plugin contributors.
"""Draw SoKD's DAM regions on validation images of a trained SoKD run.

For each image: the image, the teacher's activation energy (the DAM's
heatmap target) on the first SoKD pair's feature (its first level), the
DAM's heatmap on the student's adapted feature, and the image with the mask
of the student's top-K peak boxes (the area where the feature loss acts).

Example:
    python tools/visualization/show_dam_regions.py \
        configs/sokd/mmpretrain/sokd_kd_logits_resnet18-w32_resnet18-w8_digits.py \
        work_dirs/demo/cls/SoKD+KD_seed0/epoch_8.pth --out dam_cls.png
"""  # noqa: E501
import argparse

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint

import tstkd_plugin  # noqa: F401  (registers the plugin, applies fixes)
from tstkd_plugin.modules import activation_energy
from tstkd_plugin.registry import MODELS


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a SoKD config')
    parser.add_argument('checkpoint', help='a checkpoint of that config')
    parser.add_argument('--out', default='dam_regions.png')
    parser.add_argument('--num', type=int, default=4, help='images')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if cfg.model.get('distiller', {}).get('type') != 'SoKDDistiller':
        raise KeyError(f'{args.config}: model.distiller.type is not '
                       'SoKDDistiller; expected a SoKD config')
    init_default_scope(cfg.get('default_scope', 'mmrazor'))
    cfg.model.teacher_ckpt = None
    model = MODELS.build(cfg.model)
    model.load_state_dict(_load_checkpoint(args.checkpoint)['state_dict'])
    model.eval()

    loader_cfg = dict(cfg.val_dataloader)
    loader_cfg.update(
        batch_size=args.num, num_workers=0, persistent_workers=False)
    data = model.data_preprocessor(
        next(iter(Runner.build_dataloader(loader_cfg, seed=0))), False)
    distiller = model.distiller
    name, pair = next(iter(distiller.sokd_pairs.items()))
    with torch.no_grad(), distiller.teacher_recorders, \
            distiller.student_recorders:
        model.teacher(data['inputs'], mode='tensor')
        model.student(data['inputs'], mode='tensor')
        student, teacher = distiller.pair_features(pair, pair['levels'][0])
        output = distiller.dams[name](student)
        mask = distiller.dams[name].regions(output)
    energy = activation_energy(teacher)
    heatmap = output['heatmap'].sigmoid().amax(1, keepdim=True)

    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    preprocessor = model.data_preprocessor
    n = data['inputs'].shape[0]
    fig, axes = plt.subplots(n, 4, figsize=(8.4, 2.2 * n), squeeze=False)
    for i in range(n):
        image = data['inputs'][i] * preprocessor.std + preprocessor.mean
        image = (image.clamp(0, 255) / 255).permute(1, 2, 0).numpy()
        big = F.interpolate(
            mask[i:i + 1], size=image.shape[:2], mode='nearest')[0, 0].numpy()
        red = np.zeros_like(image)
        red[..., 0] = 1.0
        overlay = np.where(big[..., None] > 0, 0.5 * image + 0.5 * red, image)
        panels = [(image, 'image'),
                  (energy[i, 0].numpy(), 'teacher energy (target)'),
                  (heatmap[i, 0].numpy(), 'student DAM heatmap'),
                  (overlay, f'mask, {100 * mask[i].mean():.0f}% of map')]
        for ax, (panel, title) in zip(axes[i], panels):
            ax.imshow(
                panel,
                cmap=None if panel.ndim == 3 else 'magma',
                interpolation='nearest')
            ax.set_title(title, fontsize=7)
            ax.axis('off')
    level = pair['levels'][0]
    fig.suptitle(
        f'SoKD pair {name!r}: {pair["student_recorder"]}' +
        ('' if level is None else f', level {level}'),
        fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    areas = ', '.join(f'{100 * a:.1f}%' for a in mask.mean((1, 2, 3)))
    print(f'mask areas: {areas}\nwrote {args.out}')


if __name__ == '__main__':
    main()
