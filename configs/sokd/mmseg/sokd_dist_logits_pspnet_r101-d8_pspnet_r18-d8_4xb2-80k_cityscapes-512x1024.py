# SoKD + DIST, Cityscapes 80k: PSPNet-R101 -> PSPNet-R18 (d8), 512x1024
# crops, 4 GPUs x 2. DIST on the per-pixel logits of the decode head and,
# x 0.4, of the auxiliary head (the DIST Cityscapes configs' loss) plus
# SoKD on two feature pairs, as the spec asks: the
# backbone's last stage (2048 <- 512 channels) and the PSP head's
# bottleneck (512 <- 128). The policy is searched in the first 8k of 80k
# iterations (first order; reference Adam). SoKD has no segmentation
# reference; the student alone (mmseg recipe) is 74.87 mIoU, the teacher
# (mmseg zoo) 79.76.
_base_ = [
    '../../dist/mmseg/'
    'dist_logits_deeplabv3_r101-d8_pspnet_r18-d8_8xb2-40k_cityscapes-512x1024.py',
    '../../_base_/sokd/sokd_policy_optim_wrapper.py'
]

teacher_ckpt = 'https://download.openmmlab.com/mmsegmentation/v0.5/pspnet/pspnet_r101-d8_512x1024_80k_cityscapes/pspnet_r101-d8_512x1024_80k_cityscapes_20200606_112211-e1e1100f.pth'  # noqa: E501
max_iters = 80000


def _adapter(in_channel, out_channel):
    return dict(
        type='ConvModuleConnector',
        in_channel=in_channel,
        out_channel=out_channel,
        kernel_size=1,
        norm_cfg=dict(type='BN'),
        act_cfg=dict(type='ReLU'))


train_cfg = dict(max_iters=max_iters, val_interval=8000)
# mmseg's pipeline and 4 x 2 recipe, not the DIST config's (8 x 2)
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline))
model = dict(
    type='SoKDDistill',
    search_iters=8000,
    teacher=dict(
        cfg_path='mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py'
    ),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='SoKDDistiller',
        student_recorders=dict(
            sokd_stage4=dict(type='ModuleOutputs', source='backbone.layer4'),
            sokd_decoder=dict(
                type='ModuleOutputs', source='decode_head.bottleneck')),
        teacher_recorders=dict(
            sokd_stage4=dict(type='ModuleOutputs', source='backbone.layer4'),
            sokd_decoder=dict(
                type='ModuleOutputs', source='decode_head.bottleneck')),
        connectors=dict(
            sokd_stage4_adapter=_adapter(512, 2048),
            sokd_decoder_adapter=_adapter(128, 512)),
        sokd_pairs=dict(
            stage4=dict(
                student_recorder='sokd_stage4',
                teacher_recorder='sokd_stage4',
                connector='sokd_stage4_adapter',
                channels=2048),
            decoder=dict(
                student_recorder='sokd_decoder',
                teacher_recorder='sokd_decoder',
                connector='sokd_decoder_adapter',
                channels=512)),
        feature_augment=_base_.sokd_feature_augment,
        dam=dict(
            type='DistinctiveAreaDetector', feat_channels=64, num_peaks=8),
        loss_feat=dict(type='MaskedMSELoss', loss_weight=1.0)))
optim_wrapper = dict(
    _delete_=True,
    constructor='SoKDOptimWrapperConstructor',
    # 4 GPUs x 2 at mmseg's lr 0.01, not the DIST config's 8 x 2 at 0.02
    architecture=dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
        clip_grad=None),
    feature_augment=_base_.sokd_policy_optim_wrapper)
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
    feature_augment=[])
model_wrapper_cfg = _base_.sokd_model_wrapper_cfg
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
# --auto-scale-lr: originals per step, 4 GPUs x 2
auto_scale_lr = dict(base_batch_size=8)
