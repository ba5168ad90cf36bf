# SoKD + vanilla KD on the demo segmentation task: PSPNet R18 w32 -> w8, the
# KD demo config (per-pixel KD) with the SoKD plug-in on the decoder feature;
# the policy is searched in the first 250 of 1000 iterations (first order),
# Adam lr 0.05 as in the classification demo (a short search).
_base_ = [
    '../../baselines/mmseg/kd_logits_pspnet_r18-w32_r18-w8_digits.py',
    '../../_base_/sokd/sokd_pspnet_bottleneck_digits.py'
]

model = dict(
    type='SoKDDistill', search_iters=250, distiller=_base_.sokd_decoder_seg)
optim_wrapper = dict(
    _delete_=True,
    constructor='SoKDOptimWrapperConstructor',
    architecture=_base_.optim_wrapper,
    feature_augment=_base_.sokd_demo_policy_optim_wrapper)
param_scheduler = dict(
    _delete_=True, architecture=_base_.param_scheduler, feature_augment=[])
model_wrapper_cfg = _base_.sokd_model_wrapper_cfg
# --auto-scale-lr: originals per step, 1 GPU x 16
auto_scale_lr = dict(base_batch_size=16)
