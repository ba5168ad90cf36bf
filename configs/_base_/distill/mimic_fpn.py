# DIST's "+mimic" term for detectors with a 5-level, 256-channel FPN: an MSE
# between each student FPN level, through a 1x1 conv adapter, and the
# teacher's, weight 1 (the reference's dist+mimic configs in hunto/MasKD:
# nn.MSELoss per level, summed, after a 1x1 conv with bias).
# A config merges it into its distiller: model = dict(distiller=mimic_fpn).
mimic_fpn = dict(
    student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
    teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
    connectors={
        f'fpn{i}_adapter':
        dict(
            type='ConvModuleConnector',
            in_channel=256,
            out_channel=256,
            kernel_size=1,
            norm_cfg=None,
            act_cfg=None)
        for i in range(5)
    },
    distill_losses={
        f'loss_mimic_fpn{i}':
        dict(
            type='L2Loss', normalize=False, div_element=True, loss_weight=1.0)
        for i in range(5)
    },
    loss_forward_mappings={
        f'loss_mimic_fpn{i}':
        dict(
            s_feature=dict(
                from_student=True,
                recorder='fpn',
                data_idx=i,
                connector=f'fpn{i}_adapter'),
            t_feature=dict(from_student=False, recorder='fpn', data_idx=i))
        for i in range(5)
    })
