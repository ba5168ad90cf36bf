# Copyright (c) tstkd_plugin contributors.
"""What an installation gives a user: the requirements split as OpenMMLab's,
``tstkd_plugin::`` configs inherited from another project under the task
libraries' own tools, and the model index that ``mim search`` reads."""
import glob
import importlib.metadata
import importlib.util
import os.path as osp
import re
import shutil
import subprocess
import sys

import pytest
import yaml
from mmengine.config import Config
from packaging.requirements import Requirement

from conftest import REPO, load_script, run_python, use_stand_in_teacher

MMPRETRAIN_TRAIN = osp.join(
    osp.dirname(importlib.util.find_spec('mmpretrain').origin), '.mim',
    'tools', 'train.py')
KD_DEMO = 'baselines/mmpretrain/kd_logits_resnet18-w32_resnet18-w8_digits.py'


def load_setup():
    return load_script('setup.py', 'tstkd_setup')


def names(requirements):
    return {Requirement(r).name.lower() for r in requirements}


def test_pip_install_leaves_mmcv_and_mmengine_to_mim():
    setup = load_setup()
    runtime = setup.read_requirements('runtime')
    # `pip install .` next to an installed mm stack never builds mmcv
    assert not names(runtime) & {'mmcv', 'mmcv-full', 'mmengine'}
    assert names(setup.read_requirements('mminstall')) == {'mmcv', 'mmengine'}
    # and the mm task libraries it does require do not pull mmcv either
    for library in ('mmpretrain', 'mmdet', 'mmsegmentation', 'mmrazor'):
        declared = [
            r for r in importlib.metadata.requires(library) or []
            if 'extra ==' not in r
        ]
        assert 'mmcv' not in names(declared), (library, declared)


def test_this_stack_meets_every_declared_range():
    setup = load_setup()
    for line in (setup.read_requirements('runtime') +
                 setup.read_requirements('mminstall')):
        requirement = Requirement(line)
        installed = importlib.metadata.version(requirement.name)
        assert requirement.specifier.contains(installed, prereleases=True), \
            f'{requirement.name} {installed} is outside {line!r}'


OUTSIDE_CFG = '''\
# A config of another project that inherits a tstkd_plugin config.
_base_ = ['tstkd_plugin::{base}']
custom_imports = dict(imports=['tstkd_plugin'], allow_failed_imports=False)
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root={data_root!r}, indices=8))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root={data_root!r}, indices=8))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1)
model = dict(teacher_ckpt={teacher!r})
'''


@pytest.fixture
def outside_config(demo_data, tmp_path):
    cfg = Config.fromfile(osp.join(REPO, 'configs', KD_DEMO))
    teacher = str(tmp_path / 'teacher.pth')
    use_stand_in_teacher(cfg, teacher)
    path = tmp_path / 'project' / 'my_kd.py'
    path.parent.mkdir()
    path.write_text(
        OUTSIDE_CFG.format(
            base=KD_DEMO,
            data_root=osp.join(demo_data, 'cls'),
            teacher=teacher))
    return path


def test_prefix_resolves_before_the_plugin_is_imported(outside_config):
    # mmengine reads `_base_` before it imports `custom_imports` (left out
    # here): the start-up hook installed with the package registers the
    # prefix, and it imports nothing itself
    result = run_python([
        '-c', 'import sys; from mmengine.config import Config; '
        f'cfg = Config.fromfile({str(outside_config)!r}, '
        'import_custom_modules=False); '
        'print(cfg.model.type, "tstkd_plugin" in sys.modules)'
    ],
                        cwd=str(outside_config.parent))
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ['CheckedSingleTeacherDistill', 'False']


def test_outside_config_trains_with_the_task_librarys_own_tool(outside_config):
    work_dir = outside_config.parent / 'work'
    result = run_python(
        [MMPRETRAIN_TRAIN,
         str(outside_config), '--work-dir',
         str(work_dir)],
        cwd=str(outside_config.parent))
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'distill.loss_kd' in result.stdout + result.stderr
    assert osp.isfile(str(work_dir / 'epoch_1.pth'))


@pytest.fixture(scope='module')
def installed_wheel(tmp_path_factory):
    """The package as `pip install .` installs it, into a folder of its
    own. Built from a copy of the tracked files: pip builds in the source
    tree, and setup.py's build replaces ``tstkd_plugin/.mim``'s links by
    copies there (the checkout's editable install would then resolve
    ``tstkd_plugin::`` configs to a stale copy, and tests running beside
    this one would read a half-copied folder)."""
    root = tmp_path_factory.mktemp('wheel')
    source = root / 'source'
    tracked = subprocess.run(['git', 'ls-files', '-z'],
                             cwd=REPO,
                             check=True,
                             capture_output=True,
                             text=True).stdout.split('\0')
    for path in filter(None, tracked):
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(osp.join(REPO, path), source / path)
    subprocess.run([
        sys.executable, '-m', 'pip', 'wheel', '--no-deps',
        '--no-build-isolation', '-q', '-w',
        str(root / 'dist'),
        str(source)
    ],
                   check=True,
                   capture_output=True)
    wheel = next((root / 'dist').glob('tstkd_plugin-*.whl'))
    subprocess.run([
        sys.executable, '-m', 'pip', 'install', '--no-deps', '-q', '--target',
        str(root / 'site'),
        str(wheel)
    ],
                   check=True,
                   capture_output=True)
    return root / 'site'


def test_wheel_carries_the_hook_configs_and_model_index(installed_wheel):
    site = installed_wheel
    hook = (site / 'tstkd_plugin-config-prefix.pth').read_text()
    assert '_tstkd_plugin_prefix' in hook
    assert (site / '_tstkd_plugin_prefix.py').is_file()
    mim = site / 'tstkd_plugin' / '.mim'
    index = yaml.safe_load((mim / 'model-index.yml').read_text())
    assert len(index['Import']) == 5
    for metafile in index['Import']:
        models = yaml.safe_load((mim / metafile).read_text())['Models']
        for model in models:
            # mmengine and mim resolve a model's config under .mim/
            assert (mim / model['Config']).is_file(), model['Config']


def test_every_config_is_in_a_metafile():
    listed = set()
    index = yaml.safe_load(open(osp.join(REPO, 'model-index.yml')))
    for metafile in index['Import']:
        with open(osp.join(REPO, metafile)) as f:
            listed |= {m['Config'] for m in yaml.safe_load(f)['Models']}
    configs = {
        osp.relpath(p, REPO)
        for p in glob.glob(
            osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
        if '/_base_/' not in p
    }
    assert listed == configs


def test_mim_search_lists_the_configs(installed_wheel):
    # mim reads the installed package's .mim/model-index.yml
    result = run_python(
        ['-c', 'from mim.cli import cli; cli()', 'search', 'tstkd_plugin'],
        env={'PYTHONPATH': str(installed_wheel)},
        cwd=str(installed_wheel.parent))
    assert result.returncode == 0, result.stderr[-3000:]
    out = re.sub(r'\s+', ' ', result.stdout)
    for name in ('tst_kd_logits_resnet34_resnet18_8xb64_in1k',
                 'dist_logits_resnet34_resnet18_8xb32_in1k',
                 'sokd_kd_logits_resnet34_resnet18_8xb32_in1k',
                 'kd_resnet32x4_resnet8x4_cifar100'):
        assert name in out, result.stdout[-3000:]


# The pip of today's GPU images (shared/gpu/FIRST-RUN.md): without a
# declared build system it installs editables by `setup.py develop`, which
# with setuptools 80 runs an isolated build that downloads setuptools.
OLD_PIP = '24.0'


def test_offline_editable_install_uses_the_declared_build_system(
        tmp_path_factory):
    """pip 24 takes the editable install through setuptools' PEP 660 backend
    (pyproject.toml), offline and without build isolation."""
    import os
    cache = os.environ.get('TSTKD_CACHE_DIR') or osp.join(
        os.environ.get('XDG_CACHE_HOME') or osp.expanduser('~/.cache'),
        'tstkd_plugin')
    wheel = osp.join(cache, f'pip-{OLD_PIP}-py3-none-any.whl')
    if not osp.isfile(wheel):
        folder = tmp_path_factory.mktemp('pip')
        subprocess.run([
            sys.executable, '-m', 'pip', 'download', '-q', '--no-deps', '-d',
            str(folder), f'pip=={OLD_PIP}'
        ],
                       check=True,
                       capture_output=True)
        os.makedirs(cache, exist_ok=True)
        os.replace(str(folder / osp.basename(wheel)), wheel)
    # pip runs from its wheel; --dry-run installs nothing
    result = run_python([
        osp.join(wheel, 'pip'), 'install', '--dry-run', '--no-index',
        '--no-deps', '--no-build-isolation', '-e', REPO
    ])
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'Preparing editable metadata (pyproject.toml)' in result.stdout, \
        result.stdout[-3000:]
