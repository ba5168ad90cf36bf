# FitNet, CIFAR-100: ResNet-32x4 -> ResNet-8x4, the host of SoKD's CIFAR recipe
# as the reference (FabienCode/mdistiller) runs it: the hint is the output of
# layer2 (feats[2], 128 channels at 16x16 in both), regressed by a one-layer
# ConvReg (3x3 conv-BN-ReLU), MSE x 100 (mmrazor's L2Loss averaged over the
# elements), CE x 1 and no logit term; 240 epochs, SGD lr 0.05, batch 64, x0.1
# at 150/180/210, wd 5e-4. Reported top-1 (CRD's table, mdistiller's README):
# 73.50. The SoKD variant: configs/sokd/mmpretrain/cifar100/.
_base_ = ['./resnet8x4_cifar100.py']

# Trained by `python tools/train.py configs/baselines/mmpretrain/cifar100/resnet32x4_cifar100.py`
teacher_ckpt = 'work_dirs/resnet32x4_cifar100/epoch_240.pth'

_hint = dict(hint=dict(type='ModuleOutputs', source='backbone.layer2'))
fitnet_layer2 = dict(
    type='ConfigurableDistiller',
    student_recorders=_hint,
    teacher_recorders=_hint,
    connectors=dict(
        hint_regressor=dict(
            type='ConvRegConnector', in_channel=128, out_channel=128)),
    distill_losses=dict(
        loss_hint=dict(
            type='L2Loss', normalize=False, div_element=True,
            loss_weight=100)),
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
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor', **_base_.data_preprocessor),
    architecture=_base_.model,
    teacher=dict(
        cfg_path=
        'tstkd_plugin::baselines/mmpretrain/cifar100/resnet32x4_cifar100.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=fitnet_layer2)

default_scope = 'mmrazor'
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
