# DIST on each FPN level of the demo RetinaNet's classification branch
# (sigmoid, tau 1, weight 1), for the distiller of the DIST and TST+DIST demo
# configs: model = dict(distiller=_base_.dist_cls_branch).
dist_fpn_levels = 3
dist_cls_branch = dict(
    distill_losses={
        '_delete_': True,
        **{
            f'loss_dist_fpn{i}':
            dict(
                type='DISTKDLoss',
                activation='sigmoid',
                tau=1,
                loss_weight=1.0)
            for i in range(dist_fpn_levels)
        }
    },
    loss_forward_mappings={
        '_delete_': True,
        **{
            f'loss_dist_fpn{i}':
            dict(
                preds_S=dict(from_student=True, recorder='cls', record_idx=i),
                preds_T=dict(from_student=False, recorder='cls', record_idx=i))
            for i in range(dist_fpn_levels)
        }
    })
