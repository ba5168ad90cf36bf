# Copyright (c) tstkd_plugin contributors.
"""A teacher that is not trained is wholly in eval mode while the student
trains: dropout off as well as its norm layers (the DIST and TST references
call ``t_model.eval()``; mmrazor alone switches only the norm layers)."""
from typing import List

import pytest
import torch
from torch import nn

from conftest import built_runner

# The mmseg demo teacher has a decode head with dropout 0.1: every algorithm
# of the plugin on that task, and the composition on classification.
SEG = 'configs/{}/mmseg/{}_logits_pspnet_r18-w32_r18-w8_digits.py'
ALGORITHMS = {
    'kd': SEG.format('baselines', 'kd'),
    'dist': SEG.format('dist', 'dist'),
    'tst': SEG.format('tst', 'tst_kd'),
    'sokd': SEG.format('sokd', 'sokd_dist'),
}


def dropout_modes(model: nn.Module) -> List[bool]:
    """Records ``training`` of each of ``model``'s dropout layers per call."""
    calls = []
    for module in model.modules():
        if isinstance(module, nn.modules.dropout._DropoutNd):
            module.register_forward_hook(
                lambda m, args, out: calls.append(m.training))
    assert any(
        isinstance(m, nn.modules.dropout._DropoutNd)
        for m in model.modules()), 'the test needs a dropout teacher'
    return calls


def teacher_logits(model: nn.Module) -> List[torch.Tensor]:
    """Records the outputs of the teacher's last classifier layer."""
    outputs = []
    model.teacher.decode_head.conv_seg.register_forward_hook(
        lambda m, args, out: outputs.append(out.detach().clone()))
    return outputs


@pytest.mark.parametrize('algorithm', sorted(ALGORITHMS))
def test_teacher_dropout_is_off_in_student_steps(algorithm, demo_data,
                                                 tmp_path):
    runner = built_runner(
        ALGORITHMS[algorithm],
        demo_data,
        tmp_path,
        train_samples=4,
        batch_size=4)
    model = runner.model
    model.train()
    assert not any(m.training for m in model.teacher.modules())
    assert all(m.training for m in model.student.modules())
    modes, outputs = dropout_modes(model.teacher), teacher_logits(model)
    batch = next(iter(runner.build_dataloader(runner.cfg.train_dataloader)))
    if getattr(model, 'augmenter',
               None) is not None:  # TST: augmenter, student
        model.augmenter_train_step(batch, runner.optim_wrapper)
        assert not any(m.training for m in model.teacher.modules())
        assert all(m.training for m in model.student.modules())
    for _ in range(2):
        model.train_step(batch, runner.optim_wrapper)
    assert modes and not any(modes), modes
    if algorithm != 'tst':  # TST's student inputs are augmented afresh
        # the same input, two steps of a changing student: the same target
        assert len(outputs) >= 2
        torch.testing.assert_close(outputs[0], outputs[-1], rtol=0, atol=0)


def test_teacher_eval_false_keeps_mmrazor_modes(demo_data, tmp_path):
    runner = built_runner(
        ALGORITHMS['kd'],
        demo_data,
        tmp_path,
        train_samples=4,
        batch_size=4,
        teacher_eval=False)
    model = runner.model.train()
    dropouts = [
        m for m in model.teacher.modules()
        if isinstance(m, nn.modules.dropout._DropoutNd)
    ]
    norms = [
        m for m in model.teacher.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm)
    ]
    assert dropouts and all(m.training for m in dropouts)
    assert norms and not any(m.training for m in norms)
