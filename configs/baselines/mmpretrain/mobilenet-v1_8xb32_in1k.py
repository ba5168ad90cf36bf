# MobileNetV1 on ImageNet-1k alone: mmpretrain's ResNet recipe (100 epochs,
# 8 GPUs x 32, SGD lr 0.1, x0.1 at epochs 30/60/90), the student of DIST's
# R50 -> MobileNetV1 row (reported alone: 70.13). MobileNetV1 is this
# plugin's backbone (tstkd_plugin/imagenet_zoo): mmpretrain has none.
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs32.py',
    'mmpretrain::_base_/schedules/imagenet_bs256.py',
    'mmpretrain::_base_/default_runtime.py'
]

model = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(type='MobileNetV1'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=1024,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
