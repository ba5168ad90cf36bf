# TST + DIST, Cityscapes 80k: PSPNet-R101 -> PSPNet-R18 (d8), 512x1024 crops:
# our extension (the reference's KD term is KL: the TST+KD config). The
# reference's recipe otherwise (github:shaoshitong/TST, SDAKD_FOR_DETECTION_
# AND_SEGMENTATION/mmrazor/configs/distill/osd/mimic+osd_head_pspnet_r101_d8_
# pspnet_r18_d8_512x1024_cityscapes_80k.py): 2 originals + 2 augmented per
# GPU x 4, SGD lr 0.01, weight decay 5e-4, poly lr to 1e-4; label maps follow
# the augmenter's geometric ops (nearest, ignore label where the warp brings
# in outside area); three augmenter phases of one pass, before iteration 0
# and after "epochs" 6 and 12 of the reference's runner (6 L and 12 L with
# L = 2975 images / 8 per step = 372 iterations: 2232 and 4464). The
# student step distils with DIST on the decode head's per-pixel logits and
# 0.4 x DIST on the auxiliary head's (the DIST Cityscapes configs' loss).
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
    batch_size=2, dataset=dict(pipeline=_base_.train_pipeline))
train_cfg = dict(
    type='mmrazor.TSTIterBasedTrainLoop',
    max_iters=max_iters,
    val_interval=8000,
    augment_iters=[0, 2232, 4464],
    passes=1)
model = dict(
    type='DenseTSTDistill',
    teacher=dict(
        cfg_path='mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py'
    ),
    teacher_ckpt=teacher_ckpt,
    # the reference's Cutout(128): a quarter of the 512-pixel crop side
    augmenter=dict(_base_.tst_augmenter, cutout_size=0.25))
optim_wrapper = dict(
    _delete_=True,
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    # 4 GPUs x 2 at mmseg's lr 0.01, not the DIST config's 8 x 2 at 0.02
    architecture=dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
        clip_grad=None),
    augmenter=_base_.tst_dense_augmenter_optim_wrapper)
param_scheduler = dict(
    _delete_=True,
    architecture=[
        dict(
            type='PolyLR',
            eta_min=1e-4,
            power=0.9,
            begin=0,
            end=max_iters,
            by_epoch=False)
    ],
    augmenter=[])
model_wrapper_cfg = _base_.tst_model_wrapper_cfg
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
# --auto-scale-lr: originals per step, 4 GPUs x 2 (+ as many augmented)
auto_scale_lr = dict(base_batch_size=8)
