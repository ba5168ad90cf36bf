# TST + KD (T 4), CIFAR-100: resnet110 -> resnet20, 240 epochs (the papers' recipe);
# augmenter phases before epochs 30 and 90, 30 passes each (TST's CIFAR-100
# schedule). The loader yields 32 originals; the student sees 64 images.
# TST's reported top-1 for this pair is not retrievable here (spec: the
# paper's tables are not restated); the pair is one of the paper's.
_base_ = [
    '../../../baselines/mmpretrain/cifar100/resnet20_cifar100.py',
    '../../../_base_/distill/logits_cifar100.py',
    '../../../_base_/tst/tst_augmenter.py'
]

# Trained by `python tools/train.py configs/baselines/mmpretrain/cifar100/resnet110_cifar100.py`
teacher_ckpt = 'work_dirs/resnet110_cifar100/epoch_240.pth'

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='TSTDistill',
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor', **_base_.data_preprocessor),
    architecture=_base_.model,
    teacher=dict(
        cfg_path='tstkd_plugin::baselines/mmpretrain/cifar100/resnet110_cifar100.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    augmenter=_base_.tst_augmenter,
    distiller=_base_.kd_logits_cifar100)

train_dataloader = dict(batch_size=32)
optim_wrapper = dict(
    _delete_=True,
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    architecture=_base_.optim_wrapper,
    augmenter=_base_.tst_augmenter_optim_wrapper)
param_scheduler = dict(
    _delete_=True, architecture=_base_.param_scheduler, augmenter=[])
custom_hooks = [dict(type='TSTPhaseHook', augment_epochs=[30, 90], passes=30)]
model_wrapper_cfg = _base_.tst_model_wrapper_cfg

default_scope = 'mmrazor'
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
# --auto-scale-lr: originals per step, 1 GPU x 32 (+ as many augmented)
auto_scale_lr = dict(base_batch_size=32)
