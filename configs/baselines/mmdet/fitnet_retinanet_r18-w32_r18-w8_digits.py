# FitNet-style host on the demo detection task: RetinaNet R18 w32 -> w8, as
# the COCO host (configs/baselines/mmdet/fitnet_faster-rcnn_r101_r50_fpn_2x_
# coco.py): every FPN level (3 x 64 channels) regressed by a 1x1 conv, MSE
# averaged over the elements, weight 1 per level. The student, data,
# schedule and teacher are those of the KD demo config.
_base_ = ['./kd_cls-branch_retinanet_r18-w32_r18-w8_digits.py']

model = dict(
    distiller=dict(
        _delete_=True,
        type='ConfigurableDistiller',
        student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        connectors={
            f'fpn{i}_adapter':
            dict(
                type='ConvModuleConnector',
                in_channel=64,
                out_channel=64,
                kernel_size=1,
                norm_cfg=None,
                act_cfg=None)
            for i in range(_base_.fpn_levels)
        },
        distill_losses={
            f'loss_hint_fpn{i}':
            dict(
                type='L2Loss',
                normalize=False,
                div_element=True,
                loss_weight=1.0)
            for i in range(_base_.fpn_levels)
        },
        loss_forward_mappings={
            f'loss_hint_fpn{i}':
            dict(
                s_feature=dict(
                    from_student=True,
                    recorder='fpn',
                    data_idx=i,
                    connector=f'fpn{i}_adapter'),
                t_feature=dict(from_student=False, recorder='fpn', data_idx=i))
            for i in range(_base_.fpn_levels)
        }))
