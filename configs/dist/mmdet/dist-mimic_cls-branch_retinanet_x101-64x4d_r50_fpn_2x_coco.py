# DIST + mimic, COCO: the RetinaNet X101-64x4d -> R50 DIST config plus an MSE
# between each student FPN level, through a 1x1 conv adapter, and the
# teacher's (the reference's "+mimic" variant; weight 1, our choice: the
# reference does not state it in its README).
# Reference bbox mAP (DIST README): 40.1.
_base_ = ['./dist_cls-branch_retinanet_x101-64x4d_r50_fpn_2x_coco.py']
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
