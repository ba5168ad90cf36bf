# SoKD on the demo PSPNets' decoder feature (the PSP head's bottleneck, stride
# 8: teacher 64 channels, student 32) through a 1x1 conv-BN-ReLU adapter.
# Merged into a host distiller: model = dict(distiller=_base_.sokd_decoder_seg).
_base_ = ['./sokd_policy_optim_wrapper.py']

sokd_decoder_seg = dict(
    type='SoKDDistiller',
    student_recorders=dict(
        sokd_decoder=dict(
            type='ModuleOutputs', source='decode_head.bottleneck')),
    teacher_recorders=dict(
        sokd_decoder=dict(
            type='ModuleOutputs', source='decode_head.bottleneck')),
    connectors=dict(
        sokd_decoder_adapter=dict(
            type='ConvModuleConnector',
            in_channel=32,
            out_channel=64,
            kernel_size=1,
            norm_cfg=dict(type='BN'),
            act_cfg=dict(type='ReLU'))),
    sokd_pairs=dict(
        decoder=dict(
            student_recorder='sokd_decoder',
            teacher_recorder='sokd_decoder',
            connector='sokd_decoder_adapter',
            channels=64)),
    feature_augment=_base_.sokd_feature_augment,
    dam=dict(type='DistinctiveAreaDetector', feat_channels=32, num_peaks=8),
    loss_feat=dict(type='MaskedMSELoss', loss_weight=1.0),
    loss_dam_weight=1.0,
    loss_heatmap_weight=1.0)
