# Copyright (c) tstkd_plugin contributors.
"""tools/model_converters/crd_cifar_to_tstkd.py on state dicts with CRD's
key names and shapes (CRD's WRN: ``block<i>.layer.<j>``, ``convShortcut``,
the last BN ``bn1``, the classifier ``fc``)."""
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS

from conftest import CONFIGS, REPO, load_script, run_python

TOOL = osp.join(REPO, 'tools', 'model_converters', 'crd_cifar_to_tstkd.py')
WRN = osp.join(CONFIGS, 'baselines', 'mmpretrain', 'cifar100',
               '{}_cifar100.py')


def load_tool():
    return load_script(TOOL, 'crd_cifar_to_tstkd')


def zoo_model(name: str) -> torch.nn.Module:
    return MODELS.build(Config.fromfile(WRN.format(name)).model)


def crd_names(state_dict) -> dict:
    """The zoo WRN's tensors under CRD's WRN key names, in CRD's order."""
    renamed = {}
    for key, value in state_dict.items():
        key = re.sub(r'^backbone\.block(\d)\.(\d+)\.', r'block\1.layer.\2.',
                     key)
        key = key.replace('.shortcut.', '.convShortcut.')
        key = re.sub(r'^backbone\.bn\.', 'bn1.', key)
        key = key.replace('backbone.', '').replace('head.fc.', 'fc.')
        renamed[key] = value
    return renamed


def test_converts_crd_names_back_to_the_zoo():
    torch.manual_seed(0)
    trained = zoo_model('wrn-40-2').state_dict()  # stands for CRD's weights
    crd = crd_names(trained)
    assert 'block1.layer.0.convShortcut.weight' in crd and 'fc.bias' in crd
    crd = {k: v for k, v in crd.items() if 'num_batches_tracked' not in k}
    fresh = zoo_model('wrn-40-2')
    converted = load_tool().convert(crd, fresh.state_dict())
    assert list(converted) == list(trained)
    fresh.load_state_dict(converted)  # strict
    for key, value in trained.items():
        if 'num_batches_tracked' not in key:
            assert torch.equal(fresh.state_dict()[key], value), key


def test_another_networks_checkpoint_is_refused():
    tool = load_tool()
    # Same network, other head: a CIFAR-10 checkpoint for a CIFAR-100 config.
    crd = crd_names(zoo_model('wrn-40-2').state_dict())
    crd['fc.weight'] = crd['fc.weight'][:10]
    crd['fc.bias'] = crd['fc.bias'][:10]
    with pytest.raises(
            ValueError, match=r"'fc.weight' \(10, 128\) does not fit"):
        tool.convert(crd, zoo_model('wrn-40-2').state_dict())
    crd = crd_names(zoo_model('wrn-16-2').state_dict())
    with pytest.raises(ValueError, match='tensors'):
        tool.convert(crd, zoo_model('wrn-40-2').state_dict())


def test_tool_writes_a_checkpoint_the_zoo_loads(tmp_path):
    torch.manual_seed(1)
    trained = zoo_model('wrn-16-2').state_dict()
    source = tmp_path / 'ckpt_epoch_240.pth'
    torch.save({
        'model': crd_names(trained),
        'epoch': 240,
        'accuracy': 73.26
    }, str(source))
    out = tmp_path / 'wrn-16-2_cifar100' / 'epoch_240.pth'
    result = run_python([TOOL, WRN.format('wrn-16-2'), str(source), str(out)])
    assert result.returncode == 0, result.stderr[-3000:]
    state = torch.load(str(out), map_location='cpu')['state_dict']
    model = zoo_model('wrn-16-2')
    model.load_state_dict(state)
    assert torch.equal(model.state_dict()['head.fc.weight'],
                       trained['head.fc.weight'])
