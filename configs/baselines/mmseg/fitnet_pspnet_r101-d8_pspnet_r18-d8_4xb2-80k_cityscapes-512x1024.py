# FitNet host, Cityscapes 80k: PSPNet-R101 -> PSPNet-R18 (d8), 512x1024
# crops, the host SoKD refines on Cityscapes (our configuration: neither
# SoKD's paper nor its reference has a segmentation setting). The hint is
# the PSP head's bottleneck (stride 8, post-ReLU: 128 student channels, 512
# teacher), regressed by FitNet's one-layer ConvReg (3x3 conv-BN-ReLU) and
# compared by an MSE averaged over the elements, weight 1 (the dense-task
# feature mimic's weight, as on COCO; FitNet's CIFAR x 100 is for
# classification). mmseg's recipe: 4 GPUs x 2, SGD lr 0.01, poly, 80k.
# No number is reported for this host. Student alone (mmseg zoo) 74.87
# mIoU; teacher (mmseg zoo) 79.76.
_base_ = ['mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py']

teacher_ckpt = 'https://download.openmmlab.com/mmsegmentation/v0.5/pspnet/pspnet_r101-d8_512x1024_80k_cityscapes/pspnet_r101-d8_512x1024_80k_cityscapes_20200606_112211-e1e1100f.pth'  # noqa: E501
teacher_cfg = 'mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py'

_hint = dict(hint=dict(type='ModuleOutputs', source='decode_head.bottleneck'))
fitnet_bottleneck = dict(
    type='ConfigurableDistiller',
    student_recorders=_hint,
    teacher_recorders=_hint,
    connectors=dict(
        hint_regressor=dict(
            type='ConvRegConnector', in_channel=128, out_channel=512)),
    distill_losses=dict(
        loss_hint=dict(
            type='L2Loss', normalize=False, div_element=True,
            loss_weight=1.0)),
    loss_forward_mappings=dict(
        loss_hint=dict(
            s_feature=dict(
                from_student=True, recorder='hint',
                connector='hint_regressor'),
            t_feature=dict(from_student=False, recorder='hint'))))

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='CheckedSingleTeacherDistill',
    architecture=_base_.model,
    teacher=dict(cfg_path=teacher_cfg, pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=fitnet_bottleneck)

default_scope = 'mmrazor'
# the teacher does not change: it is scored at the first validation only
val_cfg = dict(
    _delete_=True, type='mmrazor.DistillValLoop', validate_teacher='first')
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
# --auto-scale-lr: originals per step, 4 GPUs x 2
auto_scale_lr = dict(base_batch_size=8)
