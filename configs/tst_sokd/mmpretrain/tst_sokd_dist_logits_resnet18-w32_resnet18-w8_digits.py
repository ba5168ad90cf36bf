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
train_cfg = dict(
    _base_.tst_demo_train_loop,
    _delete_=True,
    max_epochs=_base_.train_cfg.max_epochs,
    val_interval=_base_.train_cfg.val_interval)
# --auto-scale-lr: originals per step, 1 GPU x 16 (+ as many augmented)
auto_scale_lr = dict(base_batch_size=16)
