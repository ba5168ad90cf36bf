# ReviewKD, ImageNet-1k: ResNet-34 -> ResNet-18, the recipe of the reference
# SoKD builds on (FabienCode/mdistiller configs/imagenet/r34_r18/
# reviewkd.yaml, mdistiller/distillers/ReviewKD.py): mmpretrain's ResNet-18
# schedule is its solver (batch 8 x 32 = 256, SGD lr 0.1, momentum 0.9,
# weight decay 1e-4, 100 epochs, x0.1 at 30/60/90); CE x 1, ReviewKD x 1 (its
# warm-up of 1 epoch is no ramp: the reference counts epochs from 1).
# The levels are the reference's: every stage's pre-activation output (the
# residual sum before the block's last ReLU; the student's too, STU_PREACT)
# and the pooled vector, 64/128/256/512/512 channels at 56/28/14/7/1 on
# 224x224 crops, reviewed by the attention-based fusion (mid channels 512)
# and compared by the hierarchical context loss.
# Reported top-1 (ReviewKD, Chen et al. CVPR 2021, Table 5): 71.61 (student
# alone 69.75). Teacher: mmpretrain zoo ResNet-34, top-1 73.62 (the
# reference's: torchvision's, 73.31).
_base_ = ['mmpretrain::resnet/resnet18_8xb32_in1k.py']

teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet34_8xb32_in1k_20210831-f257d4e6.pth'  # noqa: E501
teacher_cfg = 'mmpretrain::resnet/resnet34_8xb32_in1k.py'


def _review_levels(last_blocks):
    """Each stage's pre-activation output (its last block's relu, second
    call: the residual sum) and the pooled vector (the neck's output)."""
    return dict(
        type='MultiLevel',
        levels=[
            dict(
                type='ClonedModuleInputs',
                source=f'backbone.{block}.relu',
                record_idx=1,
                data_idx=0) for block in last_blocks
        ] + [dict(type='ModuleOutputs', source='neck', data_idx=0)])


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
            levels=_review_levels(('layer1.1', 'layer2.1', 'layer3.1',
                                   'layer4.1'))),
        teacher_recorders=dict(
            levels=_review_levels(('layer1.2', 'layer2.3', 'layer3.5',
                                   'layer4.2'))),
        connectors=dict(
            review=dict(
                type='ABFConnector',
                in_channels=[64, 128, 256, 512, 512],
                out_channels=[64, 128, 256, 512, 512],
                # the reference's OUT_SHAPES are the student's own sizes
                # (ResNet-18 and -34 share them): no resize, on any crop
                out_sizes=None,
                # the pooled level is recorded (the neck's output)
                append_pooled=False)),
        distill_losses=dict(
            loss_reviewkd=dict(
                type='HCLLoss', loss_weight=1.0, append_teacher_pooled=False)),
        loss_forward_mappings=dict(
            loss_reviewkd=dict(
                s_feats=dict(
                    from_student=True, recorder='levels', connector='review'),
                t_feats=dict(from_student=False, recorder='levels')))))

default_scope = 'mmrazor'
# the teacher does not change: it is scored at the first validation only
val_cfg = dict(
    _delete_=True, type='mmrazor.DistillValLoop', validate_teacher='first')
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
