# DIST, Cityscapes: DeepLabV3-R101 -> DeepLabV3-R18 (d8), 512x1024 crops,
# 4 GPUs x 2 images, 40k iterations. The decode head's logits at their native
# stride (8), not upsampled, are a (B*H*W, C) matrix; pixels with the ignore
# label (255) are left out (the reference keeps them); tau 1,
# beta = gamma = 1, weight 1.
# Reference mIoU (DIST paper, teacher DeepLabV3-R101 78.07): student 74.21
# -> DIST 77.10. Teacher here: mmseg zoo DeepLabV3-R101 80k, 80.20.
#
# An auxiliary-head term is one more recorder and loss, e.g.
#   student_recorders/teacher_recorders: aux_logits=dict(
#       type='ModuleOutputs', source='auxiliary_head.conv_seg')
#   distill_losses: loss_dist_aux=dict(type='DISTKDLoss', loss_weight=0.4)
#   loss_forward_mappings: loss_dist_aux with recorder='aux_logits' and the
#   same target (record_idx=1 is the auxiliary head's call).
_base_ = ['mmseg::deeplabv3/deeplabv3_r18-d8_4xb2-80k_cityscapes-512x1024.py']

teacher_ckpt = 'https://download.openmmlab.com/mmsegmentation/v0.5/deeplabv3/deeplabv3_r101-d8_512x1024_80k_cityscapes/deeplabv3_r101-d8_512x1024_80k_cityscapes_20200606_113503-9e428899.pth'  # noqa: E501
teacher_cfg = 'mmseg::deeplabv3/deeplabv3_r101-d8_4xb2-80k_cityscapes-512x1024.py'

max_iters = 40000
train_cfg = dict(max_iters=max_iters, val_interval=4000)
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]

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
            # BaseDecodeHead.loss_by_feat(seg_logits, batch_data_samples):
            # its inputs carry the label maps (record 0: the decode head)
            labels=dict(
                type='MethodInputs',
                source='mmseg.models.decode_heads.decode_head.'
                'BaseDecodeHead.loss_by_feat')),
        teacher_recorders=dict(
            logits=dict(type='ModuleOutputs', source='decode_head.conv_seg')),
        distill_losses=dict(
            loss_dist=dict(
                type='DISTKDLoss', tau=1, inter_loss_weight=1.0,
                intra_loss_weight=1.0, loss_weight=1.0, ignore_index=255)),
        loss_forward_mappings=dict(
            loss_dist=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits'),
                target=dict(
                    from_student=True, recorder='labels', record_idx=0,
                    data_idx=1)))))

default_scope = 'mmrazor'
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
