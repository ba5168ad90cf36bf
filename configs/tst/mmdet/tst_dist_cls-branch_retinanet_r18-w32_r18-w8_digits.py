# TST + DIST on the demo detection digits: the TST + KD config with the DIST
# demo config's loss on each FPN level of the classification branch.
_base_ = ['./tst_kd_cls-branch_retinanet_r18-w32_r18-w8_digits.py']
fpn_levels = 3

model = dict(
    distiller=dict(
        distill_losses={
            '_delete_': True,
            **{
                f'loss_dist_fpn{i}': dict(
                    type='DISTKDLoss', activation='sigmoid', tau=1,
                    loss_weight=1.0)
                for i in range(fpn_levels)
            }
        },
        loss_forward_mappings={
            '_delete_': True,
            **{
                f'loss_dist_fpn{i}': dict(
                    preds_S=dict(
                        from_student=True, recorder='cls', record_idx=i),
                    preds_T=dict(
                        from_student=False, recorder='cls', record_idx=i))
                for i in range(fpn_levels)
            }
        }))
