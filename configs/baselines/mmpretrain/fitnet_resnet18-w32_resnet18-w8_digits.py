# FitNet on the demo digits: ResNet-18 w32 -> ResNet-18 w8, the CIFAR-100
# FitNet recipe of SoKD's reference on the demo networks: the hint is
# layer2's output (64 <- 16 channels, 16x16), regressed by a one-layer
# ConvReg, MSE x 100 averaged over the elements, CE x 1, no logit term. The
# student, data, schedule and teacher are those of the KD demo config.
_base_ = ['./kd_logits_resnet18-w32_resnet18-w8_digits.py']

_hint = dict(hint=dict(type='ModuleOutputs', source='backbone.layer2'))
model = dict(
    distiller=dict(
        _delete_=True,
        type='ConfigurableDistiller',
        student_recorders=_hint,
        teacher_recorders=_hint,
        connectors=dict(
            hint_regressor=dict(
                type='ConvRegConnector', in_channel=16, out_channel=64)),
        distill_losses=dict(
            loss_hint=dict(
                type='L2Loss',
                normalize=False,
                div_element=True,
                loss_weight=100)),
        loss_forward_mappings=dict(
            loss_hint=dict(
                s_feature=dict(
                    from_student=True,
                    recorder='hint',
                    connector='hint_regressor'),
                t_feature=dict(from_student=False, recorder='hint')))))
