# SoKD on the demo RetinaNets' FPN levels (3 levels, 64 channels in teacher
# and student): one 1x1 conv-BN-ReLU adapter, one policy and one DAM shared
# by the levels. Merged into a host distiller:
# model = dict(distiller=_base_.sokd_fpn_det).
_base_ = ['./sokd_policy_optim_wrapper.py']

sokd_fpn_det = dict(
    type='SoKDDistiller',
    student_recorders=dict(sokd_fpn=dict(type='ModuleOutputs', source='neck')),
    teacher_recorders=dict(sokd_fpn=dict(type='ModuleOutputs', source='neck')),
    connectors=dict(
        sokd_fpn_adapter=dict(
            type='ConvModuleConnector',
            in_channel=64,
            out_channel=64,
            kernel_size=1,
            norm_cfg=dict(type='BN'),
            act_cfg=dict(type='ReLU'))),
    sokd_pairs=dict(
        fpn=dict(
            student_recorder='sokd_fpn',
            teacher_recorder='sokd_fpn',
            connector='sokd_fpn_adapter',
            channels=64,
            data_idx=[0, 1, 2])),
    feature_augment=_base_.sokd_feature_augment,
    dam=dict(type='DistinctiveAreaDetector', feat_channels=32, num_peaks=8),
    loss_feat=dict(type='MaskedMSELoss', loss_weight=1.0),
    loss_dam_weight=1.0,
    loss_heatmap_weight=1.0)
