# SoKD on FitNet on the demo digits: ResNet-18 w32 -> ResNet-18 w8. FitNet's
# hint stays as it is (layer2, one-layer ConvReg, x 100 on the full map);
# SoKD emphasises it where the DAM finds what both networks attend to: the
# masked MSE to the augmented teacher feature on top (x 10), the DAM loss x 1
# (configs/_base_/sokd/sokd_policy_optim_wrapper.py, sokd_emphasis_*). The
# policy is searched in the first 2 of 8 epochs (first order), Adam lr 0.05
# as in the other SoKD demos, then frozen and still sampled. The reference's
# recipe (the hint replaced by its masked copy, x 1000):
# sokd-reference_fitnet_resnet18-w32_resnet18-w8_digits.py.
_base_ = [
    '../../baselines/mmpretrain/fitnet_resnet18-w32_resnet18-w8_digits.py',
    '../../_base_/sokd/sokd_policy_optim_wrapper.py'
]

model = dict(
    type='SoKDDistill',
    search_epochs=2,
    search='first_order',
    distiller=dict(
        _base_.sokd_emphasis_distiller,
        sokd_pairs=dict(
            hint=dict(
                host_loss='loss_hint',
                channels=64,
                **_base_.sokd_emphasis_pair)),
        dam=dict(_base_.sokd_emphasis_distiller.dam, feat_channels=64)))
optim_wrapper = dict(
    _delete_=True,
    constructor='SoKDOptimWrapperConstructor',
    architecture=_base_.optim_wrapper,
    feature_augment=_base_.sokd_demo_policy_optim_wrapper)
param_scheduler = dict(
    _delete_=True, architecture=_base_.param_scheduler, feature_augment=[])
model_wrapper_cfg = _base_.sokd_model_wrapper_cfg
