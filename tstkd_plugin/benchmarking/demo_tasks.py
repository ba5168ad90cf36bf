# Copyright (c) tstkd_plugin contributors.
"""The demo's tasks: per task the teacher, the students of every method,
the metric, and the config keys that hold the demo data's path.

Shared by tools/misc/run_demo.py (make demo), tools/misc/gpu_smoke.py and
the benchmark tools; they run from a source checkout (``REPO``).
"""
import os.path as osp
from typing import List

# the checkout this package is in (editable install or PYTHONPATH): the
# runs train with its tools/train.py and configs/
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
            'FitNet+SoKD (reference)':
            'sokd/mmpretrain/'
            'sokd-reference_fitnet_resnet18-w32_resnet18-w8_digits.py',
            'AT':
            'baselines/mmpretrain/at_resnet18-w32_resnet18-w8_digits.py',
            'AT+SoKD':
            'sokd/mmpretrain/sokd_at_resnet18-w32_resnet18-w8_digits.py',
            'AT+SoKD (reference)':
            'sokd/mmpretrain/'
            'sokd-reference_at_resnet18-w32_resnet18-w8_digits.py',
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

# what each method builds on: the demo table's "vs host" column
METHOD_HOSTS = {
    'vanilla KD': 'alone',
    'DIST': 'alone',
    'FitNet': 'alone',
    'AT': 'alone',
    'TST+KD': 'vanilla KD',
    'TST+DIST': 'DIST',
    'SoKD+KD': 'vanilla KD',
    'SoKD+DIST': 'DIST',
    'TST+SoKD+DIST': 'DIST',
    'FitNet+SoKD': 'FitNet',
    'FitNet+SoKD (reference)': 'FitNet',
    'FitNet+SoKD (parity)': 'FitNet',
    'AT+SoKD': 'AT',
    'AT+SoKD (reference)': 'AT',
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
