# Attention transfer (AT) on the demo segmentation task: PSPNet R18 w32 ->
# w8, mmrazor's ATLoss x 1000 (the CIFAR recipe's weight) on the PSP head's
# bottleneck (stride 8). The student, data, schedule and teacher are those
# of the KD demo config.
_base_ = ['./kd_logits_pspnet_r18-w32_r18-w8_digits.py']

_bottleneck = dict(
    bottleneck=dict(type='ModuleOutputs', source='decode_head.bottleneck'))
model = dict(
    distiller=dict(
        _delete_=True,
        type='ConfigurableDistiller',
        student_recorders=_bottleneck,
        teacher_recorders=_bottleneck,
        distill_losses=dict(loss_at=dict(type='ATLoss', loss_weight=1000)),
        loss_forward_mappings=dict(
            loss_at=dict(
                s_feature=dict(from_student=True, recorder='bottleneck'),
                t_feature=dict(from_student=False, recorder='bottleneck')))))
