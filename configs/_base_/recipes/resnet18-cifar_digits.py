# The demo classification recipe: a CIFAR-stem ResNet-18 of width 32 on the
# demo digits, 8 epochs of SGD with a cosine schedule, crops only. The
# students use it as is (with their widths); the teacher adds RandAugment.
_base_ = [
    'mmpretrain::_base_/models/resnet18_cifar.py',
    '../datasets/digits_cls.py',
    'mmpretrain::_base_/schedules/cifar10_bs128.py',
    'mmpretrain::_base_/default_runtime.py',
]
model = dict(
    backbone=dict(stem_channels=32, base_channels=32),
    head=dict(num_classes=10, in_channels=256))

max_epochs = 8
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(
    _delete_=True, type='CosineAnnealingLR', by_epoch=True, T_max=max_epochs)
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
auto_scale_lr = dict(base_batch_size=32)

# short CPU runs
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
randomness = dict(seed=0)
