# SoKD + DIST, ImageNet-1k: ResNet-34 -> ResNet-18, 100 epochs, 8 GPUs x 32
# images: the DIST ImageNet config with the SoKD plug-in on the stage-2
# features; the policy is searched in the first 5 epochs (the spec's ImageNet
# schedule, first order) with the reference's Adam (lr 3e-4, betas (0.5,
# 0.999), weight decay 1e-3), then frozen and still sampled.
# SoKD's published ImageNet numbers are not retrievable here (spec); DIST's
# README: student 69.76, DIST 72.07.
_base_ = [
    '../../dist/mmpretrain/dist_logits_resnet34_resnet18_8xb32_in1k.py',
    '../../_base_/sokd/sokd_resnet_layer2_in1k.py'
]

model = dict(
    type='SoKDDistill', search_epochs=5, distiller=_base_.sokd_layer2_in1k)
optim_wrapper = dict(
    _delete_=True,
    constructor='SoKDOptimWrapperConstructor',
    architecture=_base_.optim_wrapper,
    feature_augment=_base_.sokd_policy_optim_wrapper)
param_scheduler = dict(
    _delete_=True, architecture=_base_.param_scheduler, feature_augment=[])
model_wrapper_cfg = _base_.sokd_model_wrapper_cfg
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
