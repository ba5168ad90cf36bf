# TST + KD, ImageNet-1k: ResNet-34 -> ResNet-18, the reference recipe
# (github:shaoshitong/TST, SDAKD_FOR_BASELINE/configs/
# resnet34_resnet18_imagenet_diversify.yaml and train_for_sdakd.py): 100
# epochs, 8 GPUs x 32 originals per step (the student sees 8 x 64, half of
# them augmented: the reference's 512 images per step), SGD lr 0.3, momentum
# 0.9, nesterov, weight decay 1e-4, lr x 0.1 at epochs 40 and 70; KD tau 1,
# weight 1; augmenter phases before epochs 10 and 25, 5 passes each.
# Teacher: mmpretrain's zoo ResNet-34 (top-1 73.62; the reference's is
# torchvision's, 73.31: convert it with mmpretrain's model converter and set
# model.teacher_ckpt to use it); the student
# alone (mmpretrain's recipe) 69.90. The reference repository publishes no
# result table; the paper's ImageNet numbers are not restated here.
_base_ = [
    'mmpretrain::resnet/resnet18_8xb32_in1k.py',
    '../../_base_/tst/tst_augmenter.py'
]

teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet34_8xb32_in1k_20210831-f257d4e6.pth'  # noqa: E501
max_epochs = 100

train_dataloader = dict(batch_size=32)
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='TSTDistill',
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor', **_base_.data_preprocessor),
    architecture=_base_.model,
    teacher=dict(
        cfg_path='mmpretrain::resnet/resnet34_8xb32_in1k.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    augmenter=_base_.tst_augmenter,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        distill_losses=dict(
            loss_kd=dict(type='KLDivergence', tau=1, loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_kd=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='fc')))))

optim_wrapper = dict(
    _delete_=True,
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    # AMP in both steps, as the reference (torch.cuda.amp, dynamic scale)
    architecture=dict(
        type='AmpOptimWrapper',
        loss_scale='dynamic',
        optimizer=dict(
            type='SGD', lr=0.3, momentum=0.9, weight_decay=1e-4,
            nesterov=True)),
    augmenter=dict(
        _base_.tst_augmenter_optim_wrapper,
        type='AmpOptimWrapper',
        loss_scale='dynamic'))
param_scheduler = dict(
    _delete_=True,
    architecture=dict(
        type='MultiStepLR', by_epoch=True, milestones=[40, 70], gamma=0.1),
    augmenter=[])
train_cfg = dict(
    _delete_=True,  # the base's by_epoch=True names the default loop
    type='TSTEpochBasedTrainLoop',
    max_epochs=max_epochs,
    val_interval=1,
    augment_epochs=[10, 25],
    passes=5)
model_wrapper_cfg = _base_.tst_model_wrapper_cfg

default_scope = 'mmrazor'
# the teacher does not change: it is scored at the first validation only
val_cfg = dict(
    _delete_=True, type='mmrazor.DistillValLoop', validate_teacher='first')
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
# --auto-scale-lr: originals per step, 8 GPUs x 32 (+ as many augmented)
auto_scale_lr = dict(base_batch_size=256)
