# The logit distillers of the CIFAR-100 pair configs, taken by name:
# DIST's CIFAR-100 setting (tau 4, beta = gamma = 1, weight 2) and TST's
# vanilla KD (T = 4, weight 1), both on the classifiers' logits.
_fc = dict(fc=dict(type='ModuleOutputs', source='head.fc'))
_logits = dict(
    preds_S=dict(from_student=True, recorder='fc'),
    preds_T=dict(from_student=False, recorder='fc'))
dist_logits_cifar100 = dict(
    type='ConfigurableDistiller',
    student_recorders=_fc,
    teacher_recorders=_fc,
    distill_losses=dict(
        loss_dist=dict(
            type='DISTKDLoss',
            tau=4,
            inter_loss_weight=1.0,
            intra_loss_weight=1.0,
            loss_weight=2.0)),
    loss_forward_mappings=dict(loss_dist=_logits))
kd_logits_cifar100 = dict(
    type='ConfigurableDistiller',
    student_recorders=_fc,
    teacher_recorders=_fc,
    distill_losses=dict(
        loss_kd=dict(type='KLDivergence', tau=4, loss_weight=1.0)),
    loss_forward_mappings=dict(loss_kd=_logits))
# CRD's vanilla-KD baseline (the KD column of the TST and DIST CIFAR-100
# tables): KL at T = 4 with weight 0.9; the pair configs set the student's
# CE weight to 0.1 (CRD's `train_student.py --distill kd -r 0.1 -a 0.9 -b 0`).
kd_crd_logits_cifar100 = dict(
    type='ConfigurableDistiller',
    student_recorders=_fc,
    teacher_recorders=_fc,
    distill_losses=dict(
        loss_kd=dict(type='KLDivergence', tau=4, loss_weight=0.9)),
    loss_forward_mappings=dict(loss_kd=_logits))
