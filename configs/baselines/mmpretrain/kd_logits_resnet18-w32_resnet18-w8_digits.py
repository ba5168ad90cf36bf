# Vanilla KD (Hinton) on the classifier logits: ResNet-18 w32 -> ResNet-18 w8
# on the demo digits. The student, data and schedule are those of
# resnet18-w8_digits.py, so the only difference is the teacher.
_base_ = ['./resnet18-w8_digits.py']

# Trained by `python tools/train.py configs/baselines/mmpretrain/resnet18-w32_digits.py`
teacher_ckpt = 'work_dirs/resnet18-w32_digits/epoch_8.pth'

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='CheckedSingleTeacherDistill',
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor', **_base_.data_preprocessor),
    architecture=_base_.model,
    teacher=dict(
        cfg_path='tstkd_plugin::baselines/mmpretrain/resnet18-w32_digits.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        distill_losses=dict(
            loss_kd=dict(type='KLDivergence', tau=4, loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_kd=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='fc')))))

# mmrazor's algorithms live in the mmrazor scope; the task models keep theirs.
default_scope = 'mmrazor'
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
