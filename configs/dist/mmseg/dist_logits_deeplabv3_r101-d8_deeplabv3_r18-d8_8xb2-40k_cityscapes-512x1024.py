# DIST, Cityscapes: DeepLabV3-R101 -> DeepLabV3-R18 (d8), the reference's
# recipe (DIST_KD segmentation/train_kd.py and train_scripts/train_kd/):
# 512x1024 crops of images rescaled by 0.5-2.0 and flipped (no photometric
# distortion), 8 GPUs x 2 images, SGD lr 0.02 (momentum 0.9, wd 5e-4), poly
# 0.9 to 1e-4, 40k iterations. DIST (tau 1, beta = gamma = 1) on the
# decode head's logits at their native stride (8), not upsampled, as a
# (B*H*W, C) matrix, weight 1, plus 0.4 x DIST on the auxiliary head's
# logits (the reference's --aux for ResNet students). Pixels with the ignore
# label (255) are left out (the reference keeps them: configs/dist/README.md).
# Reference mIoU (DIST paper, teacher DeepLabV3-R101 78.07): student 74.21
# -> DIST 77.10. Teacher here: mmseg zoo DeepLabV3-R101 80k, 80.20 (the
# reference's own teacher checkpoint is not published in a zoo).
_base_ = ['mmseg::deeplabv3/deeplabv3_r18-d8_4xb2-80k_cityscapes-512x1024.py']

teacher_ckpt = 'https://download.openmmlab.com/mmsegmentation/v0.5/deeplabv3/deeplabv3_r101-d8_512x1024_80k_cityscapes/deeplabv3_r101-d8_512x1024_80k_cityscapes_20200606_113503-9e428899.pth'  # noqa: E501
teacher_cfg = 'mmseg::deeplabv3/deeplabv3_r101-d8_4xb2-80k_cityscapes-512x1024.py'

max_iters = 40000
# the reference's augmentation (DIST_KD segmentation/dataset/datasets.py);
# mmseg's train_pipeline (with PhotoMetricDistortion) stays for other configs
dist_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    # one of the 16 factors 0.5, 0.6, ..., 2.0 of the 2048x1024 image
    dict(
        type='RandomChoiceResize',
        scales=[(2048 * f // 10, 1024 * f // 10) for f in range(5, 21)],
        resize_type='mmseg.Resize',
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=(512, 1024)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
train_dataloader = dict(  # per GPU, 8 GPUs: 16 per step
    batch_size=2,
    dataset=dict(pipeline=dist_train_pipeline))
optim_wrapper = dict(optimizer=dict(lr=0.02))
train_cfg = dict(max_iters=max_iters, val_interval=4000)
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=max_iters,
        by_epoch=False)
]


def _dist(weight):
    return dict(
        type='DISTKDLoss',
        tau=1,
        inter_loss_weight=1.0,
        intra_loss_weight=1.0,
        loss_weight=weight,
        ignore_index=255)


def _mapping(recorder, record_idx):
    # BaseDecodeHead.loss_by_feat(seg_logits, batch_data_samples): record 0
    # is the decode head's call, record 1 the auxiliary head's
    return dict(
        preds_S=dict(from_student=True, recorder=recorder),
        preds_T=dict(from_student=False, recorder=recorder),
        target=dict(
            from_student=True,
            recorder='labels',
            record_idx=record_idx,
            data_idx=1))


model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='CheckedSingleTeacherDistill',
    architecture=_base_.model,
    teacher=dict(cfg_path=teacher_cfg, pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source='decode_head.conv_seg'),
            aux_logits=dict(
                type='ModuleOutputs', source='auxiliary_head.conv_seg'),
            labels=dict(
                type='MethodInputs',
                source='mmseg.models.decode_heads.decode_head.'
                'BaseDecodeHead.loss_by_feat')),
        teacher_recorders=dict(
            logits=dict(type='ModuleOutputs', source='decode_head.conv_seg'),
            aux_logits=dict(
                type='ModuleOutputs', source='auxiliary_head.conv_seg')),
        distill_losses=dict(loss_dist=_dist(1.0), loss_dist_aux=_dist(0.4)),
        loss_forward_mappings=dict(
            loss_dist=_mapping('logits', 0),
            loss_dist_aux=_mapping('aux_logits', 1))))

default_scope = 'mmrazor'
# the teacher does not change: it is scored at the first validation only
val_cfg = dict(
    _delete_=True, type='mmrazor.DistillValLoop', validate_teacher='first')
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
