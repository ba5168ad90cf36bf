# Vanilla KD on the decode head's per-pixel logits at their native stride (8):
# each pixel is one sample, KL(teacher || student) averaged over pixels. The
# student, data and schedule are those of pspnet_r18-w8-d8_digits.py.
_base_ = ['./pspnet_r18-w8-d8_digits.py']

# Trained by `python tools/train.py configs/baselines/mmseg/pspnet_r18-w32-d8_digits.py`
teacher_ckpt = 'work_dirs/pspnet_r18-w32-d8_digits/iter_1500.pth'

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='CheckedSingleTeacherDistill',
    architecture=_base_.model,
    teacher=dict(
        cfg_path='tstkd_plugin::baselines/mmseg/pspnet_r18-w32-d8_digits.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source='decode_head.conv_seg')),
        teacher_recorders=dict(
            logits=dict(type='ModuleOutputs', source='decode_head.conv_seg')),
        distill_losses=dict(
            loss_kd=dict(type='DenseKLDivergence', tau=1, loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_kd=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))

default_scope = 'mmrazor'
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
# --auto-scale-lr: images per step, 1 GPU x 16
auto_scale_lr = dict(base_batch_size=16)
