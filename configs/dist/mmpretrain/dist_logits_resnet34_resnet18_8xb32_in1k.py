# DIST, ImageNet-1k: ResNet-34 -> ResNet-18, the reference's recipe
# (hunto/image_classification_sota configs/strategies/distill/
# resnet_dist.yaml, lib/utils/optim.py): 100 epochs, 8 GPUs x 32 images, SGD
# lr 0.1, momentum 0.9, nesterov, weight decay 1e-4 not on norm layers and
# biases, x0.1 at epochs 30/60/90; tau 1, beta = gamma = 1, DIST weight 2,
# CE weight 1.
# Reference top-1 (DIST README): student 69.76, KD 71.21, DIST 72.07;
# mmrazor's own DIST run of this pair (dist_logits_resnet34_resnet18_8xb32_
# in1k): 71.61. Teacher: mmpretrain zoo ResNet-34, top-1 73.62 (the
# reference's: torchvision's, 73.31).
_base_ = ['mmpretrain::resnet/resnet18_8xb32_in1k.py']

teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet34_8xb32_in1k_20210831-f257d4e6.pth'  # noqa: E501
teacher_cfg = 'mmpretrain::resnet/resnet34_8xb32_in1k.py'

optim_wrapper = dict(
    optimizer=dict(nesterov=True),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='CheckedSingleTeacherDistill',
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor', **_base_.data_preprocessor),
    architecture=_base_.model,
    teacher=dict(cfg_path=teacher_cfg, pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        distill_losses=dict(
            loss_dist=dict(
                type='DISTKDLoss',
                tau=1,
                inter_loss_weight=1.0,
                intra_loss_weight=1.0,
                loss_weight=2.0)),
        loss_forward_mappings=dict(
            loss_dist=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='fc')))))

default_scope = 'mmrazor'
# the teacher does not change: it is scored at the first validation only
val_cfg = dict(
    _delete_=True, type='mmrazor.DistillValLoop', validate_teacher='first')
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
