# Attention transfer (AT) on the demo digits: ResNet-18 w32 -> ResNet-18 w8,
# the CIFAR-100 AT recipe of SoKD's reference on the demo networks: mmrazor's
# ATLoss x 1000 on the outputs of layer1, layer2 and layer3, CE x 1, no logit
# term. The student, data, schedule and teacher are those of the KD demo
# config.
_base_ = ['./kd_logits_resnet18-w32_resnet18-w8_digits.py']

_groups = ('layer1', 'layer2', 'layer3')
_recorders = {
    g: dict(type='ModuleOutputs', source=f'backbone.{g}')
    for g in _groups
}
model = dict(
    distiller=dict(
        _delete_=True,
        type='ConfigurableDistiller',
        student_recorders=_recorders,
        teacher_recorders=_recorders,
        distill_losses={
            f'loss_at_{g}': dict(type='ATLoss', loss_weight=1000)
            for g in _groups
        },
        loss_forward_mappings={
            f'loss_at_{g}':
            dict(
                s_feature=dict(from_student=True, recorder=g),
                t_feature=dict(from_student=False, recorder=g))
            for g in _groups
        }))
