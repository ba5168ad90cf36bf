# DIST on the demo classifier logits (tau 1, beta = gamma = 1, weight 2), for
# the distiller of the DIST and TST+DIST demo configs:
# model = dict(distiller=_base_.dist_logits_cls).
dist_logits_cls = dict(
    distill_losses=dict(
        _delete_=True,
        loss_dist=dict(
            type='DISTKDLoss',
            tau=1,
            inter_loss_weight=1.0,
            intra_loss_weight=1.0,
            loss_weight=2.0)),
    loss_forward_mappings=dict(
        _delete_=True,
        loss_dist=dict(
            preds_S=dict(from_student=True, recorder='fc'),
            preds_T=dict(from_student=False, recorder='fc'))))
