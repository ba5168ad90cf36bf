# Vanilla KD, CIFAR-100: ResNet-32x4 -> ShuffleNetV1, CRD's KD baseline (the KD column of
# the TST and DIST CIFAR-100 tables): KL at T 4 weight 0.9, CE weight 0.1, 240 epochs,
# SGD lr 0.01 (CRD's lr for the mobile students, from the student's config), batch 64. Reported top-1 (CRD README): 74.07.
_base_ = [
    '../../../baselines/mmpretrain/cifar100/shufflenet-v1_cifar100.py',
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
    architecture=dict(
        _base_.model,
        head=dict(
            _base_.model.head,
            loss=dict(type='CrossEntropyLoss', loss_weight=0.1))),
    teacher=dict(
        cfg_path=
        'tstkd_plugin::baselines/mmpretrain/cifar100/resnet32x4_cifar100.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.kd_crd_logits_cifar100)

default_scope = 'mmrazor'
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
