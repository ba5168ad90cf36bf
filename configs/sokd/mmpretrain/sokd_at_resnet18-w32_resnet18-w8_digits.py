# SoKD on AT on the demo digits: ResNet-18 w32 -> ResNet-18 w8. AT's three
# attention losses stay as they are (x 1000 on layer1-3 outputs); SoKD
# emphasises each group where its DAM finds what both networks attend to:
# the masked MSE between the student's group output, adapted by SoKD's own
# one-layer ConvReg, and the augmented teacher output, x 10 on top; DAM loss
# x 1 (sokd_emphasis_* in configs/_base_/sokd/sokd_policy_optim_wrapper.py,
# as FitNet+SoKD). The policies are searched in the first 2 of 8 epochs
# (first order), Adam lr 0.05 as in the other SoKD demos. The reference's
# recipe (each AT loss replaced by its masked copy):
# sokd-reference_at_resnet18-w32_resnet18-w8_digits.py.
_base_ = [
    '../../baselines/mmpretrain/at_resnet18-w32_resnet18-w8_digits.py',
    '../../_base_/sokd/sokd_policy_optim_wrapper.py'
]

sokd_at_channels = dict(layer1=(8, 32), layer2=(16, 64), layer3=(32, 128))
model = dict(
    type='SoKDDistill',
    search_epochs=2,
    distiller=dict(
        _base_.sokd_emphasis_distiller,
        sokd_connectors={
            f'{g}_regressor':
            dict(type='ConvRegConnector', in_channel=c_s, out_channel=c_t)
            for g, (c_s, c_t) in sokd_at_channels.items()
        },
        sokd_pairs={
            g:
            dict(
                host_loss=f'loss_at_{g}',
                connector=f'{g}_regressor',
                channels=c_t,
                dam=dict(feat_channels=c_t),
                **_base_.sokd_emphasis_pair)
            for g, (_, c_t) in sokd_at_channels.items()
        }))
optim_wrapper = dict(
    _delete_=True,
    constructor='SoKDOptimWrapperConstructor',
    architecture=_base_.optim_wrapper,
    feature_augment=_base_.sokd_demo_policy_optim_wrapper)
param_scheduler = dict(
    _delete_=True, architecture=_base_.param_scheduler, feature_augment=[])
model_wrapper_cfg = _base_.sokd_model_wrapper_cfg
