# TST + SoKD + DIST on the demo digits: ResNet-18 w32 -> ResNet-18 w8, all
# three methods in one config. The SoKD + DIST demo config (DIST on the
# logits; SoKD on the stage-2 features, policy searched for 2 of 8 epochs)
# with TST's augmenter and phases as in the TST demo configs (before epochs 2
# and 5, 2 passes each; the loader yields B/2 = 16 originals and the student
# sees [augmented; original]). Three optimizers: the student's (with SoKD's
# adapter and DAM), SoKD's feature policy and TST's augmenter.
_base_ = [
    '../../sokd/mmpretrain/sokd_dist_logits_resnet18-w32_resnet18-w8_digits.py',
    '../../_base_/tst/tst_augmenter.py'
]

train_dataloader = dict(batch_size=16)
model = dict(type='TSTSoKDDistill', augmenter=_base_.tst_augmenter)
optim_wrapper = dict(augmenter=_base_.tst_augmenter_optim_wrapper)
param_scheduler = dict(augmenter=[])
# the reference's policy (the loop's defaults), as the TST config
train_cfg = dict(
    _delete_=True,  # the base's by_epoch=True names the default loop
    type='TSTEpochBasedTrainLoop',
    max_epochs=_base_.train_cfg.max_epochs,
    val_interval=_base_.train_cfg.val_interval,
    augment_epochs=[2, 5],
    passes=2,
    fresh_optimizer=True,
    plateau_decay=dict(factor=0.9, min_drop=0.02, min_relative_drop=0.02))
# --auto-scale-lr: originals per step, 1 GPU x 16 (+ as many augmented)
auto_scale_lr = dict(base_batch_size=16)
