# SoKD on the ImageNet ResNets' stage-2 output (ResNet-34 and ResNet-18: 128
# channels, 28x28 on 224x224 crops) through a 1x1 conv-BN-ReLU adapter.
# Merged into a host distiller: model = dict(distiller=_base_.sokd_layer2_in1k).
_base_ = ['./sokd_policy_optim_wrapper.py']

sokd_layer2_in1k = dict(
    type='SoKDDistiller',
    student_recorders=dict(
        sokd_layer2=dict(type='ModuleOutputs', source='backbone.layer2')),
    teacher_recorders=dict(
        sokd_layer2=dict(type='ModuleOutputs', source='backbone.layer2')),
    connectors=dict(
        sokd_layer2_adapter=dict(
            type='ConvModuleConnector', in_channel=128, out_channel=128,
            kernel_size=1, norm_cfg=dict(type='BN'),
            act_cfg=dict(type='ReLU'))),
    sokd_pairs=dict(
        layer2=dict(
            student_recorder='sokd_layer2', teacher_recorder='sokd_layer2',
            connector='sokd_layer2_adapter', channels=128)),
    feature_augment=_base_.sokd_feature_augment,
    dam=dict(type='DistinctiveAreaDetector', feat_channels=64, num_peaks=8),
    loss_feat=dict(type='MaskedMSELoss', loss_weight=1.0),
    loss_dam_weight=1.0,
    loss_heatmap_weight=1.0)
