# FitNet host on the demo segmentation task: PSPNet R18 w32 -> w8, as the
# Cityscapes host (configs/baselines/mmseg/fitnet_pspnet_r101-d8_pspnet_r18-
# d8_4xb2-80k_cityscapes-512x1024.py): the hint is the PSP head's bottleneck
# (64 <- 32 channels, stride 8), regressed by a one-layer ConvReg, MSE
# averaged over the elements, weight 1. The student, data, schedule and
# teacher are those of the KD demo config.
_base_ = ['./kd_logits_pspnet_r18-w32_r18-w8_digits.py']

_hint = dict(hint=dict(type='ModuleOutputs', source='decode_head.bottleneck'))
model = dict(
    distiller=dict(
        _delete_=True,
        type='ConfigurableDistiller',
        student_recorders=_hint,
        teacher_recorders=_hint,
        connectors=dict(
            hint_regressor=dict(
                type='ConvRegConnector', in_channel=32, out_channel=64)),
        distill_losses=dict(
            loss_hint=dict(
                type='L2Loss',
                normalize=False,
                div_element=True,
                loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_hint=dict(
                s_feature=dict(
                    from_student=True,
                    recorder='hint',
                    connector='hint_regressor'),
                t_feature=dict(from_student=False, recorder='hint')))))
