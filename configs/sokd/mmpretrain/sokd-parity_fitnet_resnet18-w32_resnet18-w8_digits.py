# SoKD on FitNet on the demo digits: ResNet-18 w32 -> ResNet-18 w8, SoKD as
# the reference's code (reference-parity mode, its DFKD): the hint loss is
# replaced by the one on the augmented teacher feature and the 3-layer
# ConvReg's adaptation, both multiplied by the sum of the reference DAM's
# top-8 boxes (C_t feature channels, 100 heatmaps), x 1000, DAM loss x 1000
# (the weights of configs/DFKD/cifar/res324_84.yaml, its ResNet -> ResNet
# config); symmetric magnitudes. The policy is searched in the first 2 of 8
# epochs by the reference's bi-level step (Adam 3e-4), then frozen and still
# sampled. The default FitNet+SoKD config is the measured better variant.
_base_ = [
    '../../baselines/mmpretrain/fitnet_resnet18-w32_resnet18-w8_digits.py',
    '../../_base_/sokd/sokd_policy_optim_wrapper.py'
]

model = dict(
    _base_.sokd_reference_algorithm,
    search_epochs=2,
    distiller=dict(
        _base_.sokd_reference_distiller,
        connectors=dict(hint_regressor=dict(num_convs=3)),
        distill_losses=dict(loss_hint=dict(loss_weight=1000)),
        sokd_pairs=dict(hint=dict(host_loss='loss_hint', channels=64)),
        dam=dict(_base_.sokd_reference_dam, feat_channels=64),
        loss_dam_weight=1000.))
optim_wrapper = dict(
    _delete_=True,
    constructor='SoKDOptimWrapperConstructor',
    architecture=_base_.optim_wrapper,
    feature_augment=_base_.sokd_policy_optim_wrapper)
param_scheduler = dict(
    _delete_=True, architecture=_base_.param_scheduler, feature_augment=[])
model_wrapper_cfg = _base_.sokd_model_wrapper_cfg
