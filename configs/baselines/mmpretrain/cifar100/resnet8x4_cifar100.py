# ResNet-8x4 (1.23M) trained alone on CIFAR-100 with the distillation papers' recipe
# (a teacher, or the student-alone baseline of the pair configs).
_base_ = ['../../../_base_/recipes/cifar100_240e.py']

model = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(type='ResNetCIFARCRD', depth=8, widths=(32, 64, 128, 256)),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=100,
        in_channels=256,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
