# TST + KD, CIFAR-100: ResNet-32x4 -> ResNet-8x4, the reference recipe
# (github:shaoshitong/TST, SDAKD_FOR_BASELINE/configs/
# resnet32x4_resnet8x4_c100_diversify.yaml): 240 epochs, lr x 0.1 at
# 150/180/210, SGD lr 0.1, momentum 0.9, nesterov, weight decay 1e-4,
# 1 GPU; 128 originals per step (the student sees 256, half of them
# augmented); KD T 4, weight 1 (alpha);
# augmenter phases before epochs [30, 90], 30 passes each.
# The reference repository publishes no result table; TST's reported top-1
# for this pair is in the paper (not restated here).
_base_ = [
    '../../../baselines/mmpretrain/cifar100/resnet8x4_cifar100.py',
    '../../../_base_/distill/logits_cifar100.py',
    '../../../_base_/tst/tst_augmenter.py'
]

# Trained by `python tools/train.py configs/baselines/mmpretrain/cifar100/resnet32x4_cifar100.py`
teacher_ckpt = 'work_dirs/resnet32x4_cifar100/epoch_240.pth'

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='TSTDistill',
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor', **_base_.data_preprocessor),
    architecture=_base_.model,
    teacher=dict(
        cfg_path=
        'tstkd_plugin::baselines/mmpretrain/cifar100/resnet32x4_cifar100.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    augmenter=_base_.tst_augmenter,
    distiller=_base_.kd_logits_cifar100)

train_dataloader = dict(batch_size=128)
optim_wrapper = dict(
    _delete_=True,
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    # AMP in both steps, as the reference (torch.cuda.amp, dynamic scale)
    architecture=dict(
        type='AmpOptimWrapper',
        loss_scale='dynamic',
        optimizer=dict(
            type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4,
            nesterov=True)),
    augmenter=dict(
        _base_.tst_augmenter_optim_wrapper,
        type='AmpOptimWrapper',
        loss_scale='dynamic'))
param_scheduler = dict(
    _delete_=True, architecture=_base_.param_scheduler, augmenter=[])
train_cfg = dict(
    _delete_=True,  # the base's by_epoch=True names the default loop
    type='TSTEpochBasedTrainLoop',
    max_epochs=_base_.train_cfg.max_epochs,
    val_interval=_base_.train_cfg.val_interval,
    augment_epochs=[30, 90],
    passes=30)
model_wrapper_cfg = _base_.tst_model_wrapper_cfg

default_scope = 'mmrazor'
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
# --auto-scale-lr: originals per step, 1 GPU x 128 (+ as many augmented)
auto_scale_lr = dict(base_batch_size=128)
