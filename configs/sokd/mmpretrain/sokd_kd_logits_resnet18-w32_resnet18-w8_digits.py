# SoKD + vanilla KD on the demo digits: ResNet-18 w32 -> ResNet-18 w8. The KD
# demo config with the SoKD plug-in on the stage-2 features: the teacher's
# features are augmented by a learnable policy, searched during the first 2
# of 8 epochs (first order) and then frozen, and the student's adapted
# features learn them inside the DAM's regions. The policy's Adam lr is 0.05
# instead of the reference's 3e-4: the demo searches ~90 steps, the
# reference 20-50 CIFAR epochs (15k-39k steps), and this gives the logits a
# comparable total movement.
_base_ = [
    '../../baselines/mmpretrain/kd_logits_resnet18-w32_resnet18-w8_digits.py',
    '../../_base_/sokd/sokd_resnet18-cifar_layer2_digits.py'
]

model = dict(
    type='SoKDDistill', search_epochs=2, distiller=_base_.sokd_layer2_cls)
optim_wrapper = dict(
    _delete_=True,
    constructor='SoKDOptimWrapperConstructor',
    architecture=_base_.optim_wrapper,
    feature_augment=_base_.sokd_demo_policy_optim_wrapper)
param_scheduler = dict(
    _delete_=True, architecture=_base_.param_scheduler, feature_augment=[])
model_wrapper_cfg = _base_.sokd_model_wrapper_cfg
