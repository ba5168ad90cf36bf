# DIST + mimic, COCO: the Cascade Mask R-CNN X101 -> Faster R-CNN R50 DIST
# config plus an MSE between each student FPN level, through a 1x1 conv
# adapter, and the teacher's (weight 1, our choice).
# Reference bbox mAP (DIST README): 41.8.
_base_ = ['./dist_roi-logits_cascade-mask-rcnn_x101-32x4d_faster-rcnn_r50_fpn_2x_coco.py']
fpn_levels = 5

model = dict(
    distiller=dict(
        student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        connectors={
            f'fpn{i}_adapter': dict(
                type='ConvModuleConnector', in_channel=256, out_channel=256,
                kernel_size=1, norm_cfg=None, act_cfg=None)
            for i in range(fpn_levels)
        },
        distill_losses={
            f'loss_mimic_fpn{i}': dict(
                type='L2Loss', normalize=False, div_element=True,
                loss_weight=1.0)
            for i in range(fpn_levels)
        },
        loss_forward_mappings={
            f'loss_mimic_fpn{i}': dict(
                s_feature=dict(
                    from_student=True, recorder='fpn', data_idx=i,
                    connector=f'fpn{i}_adapter'),
                t_feature=dict(from_student=False, recorder='fpn', data_idx=i))
            for i in range(fpn_levels)
        }))
