# SoKD + vanilla KD on the demo detection task: RetinaNet R18 w32 -> w8, the
# KD demo config (dense KD on the classification branch) with the SoKD
# plug-in on the FPN levels; the policy is searched in the first 3 of 12
# epochs (first order), Adam lr 0.05 as in the classification demo (a short
# search; the reference's 3e-4 is for tens of thousands of steps).
_base_ = [
    '../../baselines/mmdet/'
    'kd_cls-branch_retinanet_r18-w32_r18-w8_digits.py',
    '../../_base_/sokd/sokd_retinanet_fpn_digits.py'
]

model = dict(
    type='SoKDDistill', search_epochs=3, distiller=_base_.sokd_fpn_det)
optim_wrapper = dict(
    _delete_=True,
    constructor='SoKDOptimWrapperConstructor',
    architecture=_base_.optim_wrapper,
    feature_augment=_base_.sokd_demo_policy_optim_wrapper)
param_scheduler = dict(
    _delete_=True, architecture=_base_.param_scheduler, feature_augment=[])
model_wrapper_cfg = _base_.sokd_model_wrapper_cfg
