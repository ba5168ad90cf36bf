# DIST on the classifier logits: ResNet-18 w32 -> ResNet-18 w8 on the demo
# digits. Identical to the vanilla-KD demo config but for the loss, with the
# CIFAR-100 settings of the DIST paper (tau 4, beta = gamma = 1, weight 2).
_base_ = ['../../baselines/mmpretrain/kd_logits_resnet18-w32_resnet18-w8_digits.py']

model = dict(
    distiller=dict(
        distill_losses=dict(
            _delete_=True,
            loss_dist=dict(
                type='DISTKDLoss', tau=4, inter_loss_weight=1.0,
                intra_loss_weight=1.0, loss_weight=2.0)),
        loss_forward_mappings=dict(
            _delete_=True,
            loss_dist=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='fc')))))
