# Copyright (c) tstkd_plugin contributors.
"""Every path of this repository that the README and the docs name exists
(renamed configs and tools leave no dangling instruction behind)."""
import glob
import os.path as osp
import re

import pytest

from conftest import REPO

DOCS = ['README.md'] + sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '*', 'README.md')) +
    glob.glob(osp.join(REPO, 'docs', '**', '*.md'), recursive=True))
ROOTS = ('configs/', 'tools/', 'docs/', 'tstkd_plugin/', 'tests/',
         'requirements/')
# paths of other repositories the docs cite, and what installing creates
NOT_OURS = {
    'configs/strategies/distill/dist_cifar.yaml': 'hunto/DIST_KD',
    'configs/strategies/distill/resnet_dist.yaml': 'hunto/DIST_KD',
    'configs/DFKD/cifar/res324_84.yaml': 'FabienCode/mdistiller',
    'configs/DFKD/imagenet/reviewkdDFKD_r34_18.yaml': 'FabienCode/mdistiller',
    'configs/imagenet/r34_r18/reviewkd.yaml': 'FabienCode/mdistiller',
    'tools/model_converters/torchvision_to_mmpretrain.py': 'mmpretrain',
    'tstkd_plugin/.mim/': 'made by pip install (mim)',
}
# a path runs on through glob and placeholder characters, so that a pattern
# (`kd_*_cifar100.py`, `resnet{50,101}`, `<name>`) is seen whole and skipped
PATH = re.compile(r'(?<![\w./-])((?:%s)[\w./*{},<>-]*[\w/*}>])' %
                  '|'.join(re.escape(r) for r in ROOTS))


def named_paths(doc: str):
    with open(osp.join(REPO, doc), encoding='utf-8') as f:
        text = f.read()
    for match in PATH.finditer(text):
        path = match.group(1)
        # a pattern or an abbreviation, not a path
        if not any(c in path for c in '*{<') and '...' not in path:
            yield path


def test_docs_name_paths():
    assert sum(1 for doc in DOCS for _ in named_paths(doc)) > 50


@pytest.mark.parametrize('doc', DOCS)
def test_every_named_path_exists(doc):
    missing = sorted({
        p
        for p in named_paths(doc)
        if p not in NOT_OURS and not osp.exists(osp.join(REPO, p))
    })
    assert not missing, f'{doc} names paths that do not exist: {missing}'


LINK = re.compile(r'\]\(([^)\s]+)\)')


@pytest.mark.parametrize('doc', DOCS)
def test_every_relative_link_resolves(doc):
    # a Markdown link is relative to the page that has it (GitHub renders
    # it so); web links and anchors are not checked
    with open(osp.join(REPO, doc), encoding='utf-8') as f:
        targets = LINK.findall(f.read())
    here = osp.dirname(osp.join(REPO, doc))
    missing = sorted({
        t
        for t in targets if not re.match(r'(https?:|#|mailto:)', t)
        and not osp.exists(osp.join(here,
                                    t.split('#')[0]))
    })
    assert not missing, f'{doc} links to what does not exist: {missing}'
