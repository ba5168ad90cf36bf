# SoKD on the demo classifiers' stage-2 output (the spec's choice): ResNet-18
# w32 (64 channels, 16x16 on the 32x32 digits) <- ResNet-18 w8 (16 channels)
# through a 1x1 conv-BN-ReLU adapter. Merged into a host distiller:
# model = dict(distiller=_base_.sokd_layer2_cls).
_base_ = ['./sokd_policy_optim_wrapper.py']

sokd_layer2_cls = dict(
    type='SoKDDistiller',
    student_recorders=dict(
        sokd_layer2=dict(type='ModuleOutputs', source='backbone.layer2')),
    teacher_recorders=dict(
        sokd_layer2=dict(type='ModuleOutputs', source='backbone.layer2')),
    connectors=dict(
        sokd_layer2_adapter=dict(
            type='ConvModuleConnector',
            in_channel=16,
            out_channel=64,
            kernel_size=1,
            norm_cfg=dict(type='BN'),
            act_cfg=dict(type='ReLU'))),
    sokd_pairs=dict(
        layer2=dict(
            student_recorder='sokd_layer2',
            teacher_recorder='sokd_layer2',
            connector='sokd_layer2_adapter',
            channels=64)),
    feature_augment=_base_.sokd_feature_augment,
    dam=dict(type='DistinctiveAreaDetector', feat_channels=32, num_peaks=8),
    loss_feat=dict(type='MaskedMSELoss', loss_weight=1.0),
    loss_dam_weight=1.0,
    loss_heatmap_weight=1.0)
