# Attention transfer (AT) on the demo detection task: RetinaNet R18 w32 ->
# w8, mmrazor's ATLoss x 1000 (the CIFAR recipe's weight) on each of the 3
# FPN levels. The student, data, schedule and teacher are those of the KD
# demo config.
_base_ = ['./kd_cls-branch_retinanet_r18-w32_r18-w8_digits.py']

model = dict(
    distiller=dict(
        _delete_=True,
        type='ConfigurableDistiller',
        student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        distill_losses={
            f'loss_at_fpn{i}': dict(type='ATLoss', loss_weight=1000)
            for i in range(_base_.fpn_levels)
        },
        loss_forward_mappings={
            f'loss_at_fpn{i}':
            dict(
                s_feature=dict(from_student=True, recorder='fpn', data_idx=i),
                t_feature=dict(from_student=False, recorder='fpn', data_idx=i))
            for i in range(_base_.fpn_levels)
        }))
