# DIST, CIFAR-100: resnet32x4 -> resnet8x4, 240 epochs (the papers' recipe), DIST's
# CIFAR-100 setting (tau 4, beta = gamma = 1, weight 2; CE weight 1).
# Reported top-1 of this pair (DIST README): 76.31.
_base_ = [
    '../../../baselines/mmpretrain/cifar100/resnet8x4_cifar100.py',
    '../../../_base_/distill/logits_cifar100.py'
]

# Trained by `python tools/train.py configs/baselines/mmpretrain/cifar100/resnet32x4_cifar100.py`
teacher_ckpt = 'work_dirs/resnet32x4_cifar100/epoch_240.pth'

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='CheckedSingleTeacherDistill',
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor', **_base_.data_preprocessor),
    architecture=_base_.model,
    teacher=dict(
        cfg_path=
        'tstkd_plugin::baselines/mmpretrain/cifar100/resnet32x4_cifar100.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.dist_logits_cifar100)

default_scope = 'mmrazor'
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
