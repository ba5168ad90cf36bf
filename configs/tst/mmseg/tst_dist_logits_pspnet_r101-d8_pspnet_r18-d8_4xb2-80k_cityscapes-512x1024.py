# TST + DIST, Cityscapes 80k: PSPNet-R101 -> PSPNet-R18 (d8), 512x1024 crops,
# 4 GPUs. The student step distils with DIST on the decode head's per-pixel
# logits and 0.4 x DIST on the auxiliary head's (the DIST Cityscapes
# configs' loss); label maps follow the
# augmenter's geometric ops (nearest, ignore label where the warp brings in
# outside area). Three augmenter phases, one pass each, before iterations
# 20k, 40k and 60k (TST's Cityscapes schedule). The loader yields B/2 = 1
# original per GPU: the student sees 2 crops per GPU as in the 4xb2 recipe.
# Teacher: mmseg zoo PSPNet-R101 80k, mIoU 79.76; the student alone (mmseg
# recipe) 74.87.
_base_ = [
    '../../dist/mmseg/'
    'dist_logits_deeplabv3_r101-d8_pspnet_r18-d8_8xb2-40k_cityscapes-512x1024.py',
    '../../_base_/tst/tst_augmenter.py'
]

teacher_ckpt = 'https://download.openmmlab.com/mmsegmentation/v0.5/pspnet/pspnet_r101-d8_512x1024_80k_cityscapes/pspnet_r101-d8_512x1024_80k_cityscapes_20200606_112211-e1e1100f.pth'  # noqa: E501
max_iters = 80000

# mmseg's pipeline (as the reference's mmseg fork), not the DIST config's
train_dataloader = dict(
    batch_size=1, dataset=dict(pipeline=_base_.train_pipeline))
train_cfg = dict(max_iters=max_iters, val_interval=8000)
model = dict(
    type='DenseTSTDistill',
    teacher=dict(
        cfg_path='mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py'),
    teacher_ckpt=teacher_ckpt,
    augmenter=_base_.tst_augmenter)
optim_wrapper = dict(
    _delete_=True,
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    # 4 GPUs x 2 at mmseg's lr 0.01, not the DIST config's 8 x 2 at 0.02
    architecture=dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
        clip_grad=None),
    augmenter=_base_.tst_augmenter_optim_wrapper)
param_scheduler = dict(
    _delete_=True,
    architecture=[
        dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_iters,
             by_epoch=False)
    ],
    augmenter=[])
custom_hooks = [
    dict(type='TSTPhaseHook', augment_iters=[20000, 40000, 60000], passes=1)
]
model_wrapper_cfg = _base_.tst_model_wrapper_cfg
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
# --auto-scale-lr: originals per step, 4 GPUs x 1 (+ as many augmented)
auto_scale_lr = dict(base_batch_size=4)
