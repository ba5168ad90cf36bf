# Copyright (c) tstkd_plugin contributors.
"""The benchmark's Fashion-MNIST tasks, in the form of the demo's
(:data:`.demo_tasks.TASKS`), and every task the benchmark tools know."""
from typing import Dict

from .demo_tasks import TASKS

# --dataset fashion-mnist: Fashion-MNIST's official split (the training
# images its configs take, scored on the 10,000 test images), one teacher
# (ResNet-18 w32) and two student families
_FASHION = 'mmpretrain/fashion_mnist/'


def _fashion_students(student: str) -> Dict[str, str]:
    pair = f'resnet18-w32_{student}_fashion-mnist.py'
    return {
        'alone': f'baselines/{_FASHION}{student}_fashion-mnist.py',
        'vanilla KD': f'baselines/{_FASHION}kd_logits_{pair}',
        'DIST': f'dist/{_FASHION}dist_logits_{pair}',
        'TST+KD': f'tst/{_FASHION}tst_kd_logits_{pair}',
        'TST+DIST': f'tst/{_FASHION}tst_dist_logits_{pair}',
        'FitNet': f'baselines/{_FASHION}fitnet_{pair}',
        'FitNet+SoKD': f'sokd/{_FASHION}sokd_fitnet_{pair}',
        'FitNet+SoKD (reference)':
        f'sokd/{_FASHION}sokd-reference_fitnet_{pair}',
        'FitNet+SoKD (parity)': f'sokd/{_FASHION}sokd-parity_fitnet_{pair}',
    }


_TOP1 = ('accuracy/top1', 'top-1 (%)', 1.0)
FASHION_MNIST_TASKS = {
    'fmnist-resnet18-w8':
    dict(
        teacher=f'baselines/{_FASHION}resnet18-w32_fashion-mnist.py',
        students=_fashion_students('resnet18-w8'),
        metric=_TOP1),
    'fmnist-mobilenet-v2':
    dict(
        teacher=f'baselines/{_FASHION}resnet18-w32_fashion-mnist.py',
        teacher_task='fmnist-resnet18-w8',
        students=_fashion_students('mobilenet-v2'),
        metric=_TOP1),
}
# every task the benchmark tools know
SPECS = {**TASKS, **FASHION_MNIST_TASKS}
