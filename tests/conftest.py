# Copyright (c) tstkd_plugin contributors.
# isort: skip_file  (the plugin is imported first: its compatibility fixes
# must be in place before mmrazor loads)
"""Shared fixtures: small real demo data and configs pointed at it."""
import copy
import importlib.util
import os
import os.path as osp
import socket
import subprocess
import sys
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest

import tstkd_plugin  # noqa: F401  (compat fixes + registration)
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmrazor.registry import MODELS
from tstkd_plugin.apis.amp import optim_wrapper_cfgs

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _fast_config_parsing() -> None:
    """Two costs of ``Config.fromfile`` that no test is about (measured: a
    third of a small config's one-step test):

    - mmengine resolves every ``package::path`` base by parsing the
      package's model index and all its metafiles again (about 1,300 YAML
      files per config inheriting mmdet's); parsed once per package here.
    - the config text is formatted with yapf whenever it is logged or
      dumped (1.7 s for a Cascade R-CNN config); the dump still runs,
      unformatted.
    """
    import functools

    import mmengine
    from mmengine.config import utils as config_utils

    @functools.lru_cache(maxsize=None)
    def package_metainfo(package_path: str) -> Dict[str, dict]:
        """What mmengine's ``_get_cfg_metainfo`` gathers, for every config
        of the package at once (the first entry of a config wins)."""
        mim = osp.join(package_path, '.mim')
        found: Dict[str, dict] = {}
        for meta_path in mmengine.load(osp.join(mim,
                                                'model-index.yml'))['Import']:
            for model in mmengine.load(osp.join(mim, meta_path))['Models']:
                if 'Config' in model:
                    found.setdefault(model['Config'].partition('/')[-1], model)
        return found

    def get_cfg_metainfo(package_path: str, cfg_path: str) -> dict:
        found = package_metainfo(package_path)
        if cfg_path not in found:  # mmengine's error, which callers catch
            raise ValueError(f'Expected configs: {found.keys()}, but got '
                             f'{cfg_path}')
        return copy.deepcopy(found[cfg_path])

    config_utils._get_cfg_metainfo = get_cfg_metainfo
    init = Config.__init__

    def unformatted_init(self, *args, **kwargs):
        kwargs.setdefault('format_python_code', False)
        init(self, *args, **kwargs)

    Config.__init__ = unformatted_init


_fast_config_parsing()


def _distinct_runner_names() -> None:
    """Every runner of the test process gets its own experiment name.

    mmengine names a runner's ``MessageHub``, logger and visualizer (each a
    process-wide instance looked up by name) after the config and the
    second it was built: two runners built within one second in one
    process share them, logged scalars included. A user's runs are
    separate processes; in a test two runs of one config (plain and
    switched, before and after resume) must not see each other's logs.
    An explicit ``experiment_name`` is kept.
    """
    import itertools
    counter = itertools.count()
    init = Runner.__init__

    def init_with_distinct_name(self, *args, **kwargs):
        if kwargs.get('experiment_name') is None:
            cfg = kwargs.get('cfg')
            name = osp.splitext(osp.basename(cfg.filename))[0] \
                if getattr(cfg, 'filename', None) else 'runner'
            kwargs['experiment_name'] = f'{name}_{os.getpid()}_' \
                f'{next(counter)}'
        init(self, *args, **kwargs)

    Runner.__init__ = init_with_distinct_name


_distinct_runner_names()

if os.environ.get('PYTEST_XDIST_WORKER'):
    # one core per worker, for the worker and the processes it starts
    os.environ['OMP_NUM_THREADS'] = '1'
    torch.set_num_threads(1)

CONFIGS = osp.join(REPO, 'configs')
DEMO_PREFIX = 'data/demo'


def load_script(path: str, name: str) -> Any:
    """The module of a script that is not part of a package (a tool,
    ``setup.py``), loaded from ``path`` (relative to the repository, or
    absolute) under ``name``; what it runs only as ``__main__`` does not
    run."""
    spec = importlib.util.spec_from_file_location(name, osp.join(REPO, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_python(args: List[str],
               env: Optional[Dict[str, str]] = None,
               cwd: str = REPO,
               timeout: int = 600) -> subprocess.CompletedProcess:
    """Run this interpreter with ``args``; output is captured as text."""
    full_env = dict(os.environ, PYTHONWARNINGS='ignore', **(env or {}))
    return subprocess.run(
        [sys.executable] + args,
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def train_on_two_cpu_ranks(cfg: Config, tmp_path,
                           work_dir: str) -> Tuple[str, List[str]]:
    """Train ``cfg`` with ``tools/dist_train.sh CFG 2`` (gloo on CPU).

    Each rank writes a digest of its parameters (tests/helpers'
    ``RankDigestHook``) into ``tmp_path``.

    Returns:
        tuple: The tool's output, and the digests of rank 0 and rank 1.
    """
    cfg.custom_imports = dict(
        imports=['rank_digest_hook'], allow_failed_imports=False)
    cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + [
        dict(type='RankDigestHook', out_dir=str(tmp_path))
    ]
    cfg_path = str(tmp_path / 'cfg.py')
    cfg.dump(cfg_path)
    env = dict(
        os.environ,
        PYTHON=sys.executable,
        PORT=str(free_port()),
        PYTHONPATH=osp.join(REPO, 'tests', 'helpers'),
        PYTHONWARNINGS='ignore')
    result = subprocess.run(
        ['bash', 'tools/dist_train.sh', cfg_path, '2', '--work-dir', work_dir],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600)
    assert result.returncode == 0, \
        result.stdout[-1500:] + '\n' + result.stderr[-1500:]
    digests = [(tmp_path / f'digest_rank{r}.txt').read_text() for r in (0, 1)]
    return result.stdout + result.stderr, digests


@pytest.fixture(autouse=True)
def no_global_state_from_earlier_tests():
    """Each test starts without a default registry scope, and the default
    scopes, message hubs, loggers and visualizers it creates end with it.

    mmengine keeps them process-wide, by name: a runner built by another
    test or by a module's fixture would otherwise decide where this test's
    unscoped types are looked up, and a runner's message hub, logger and
    visualizer would outlive its test. A test would pass or fail by the
    tests before it.
    """
    from mmengine.logging import MessageHub, MMLogger
    from mmengine.registry import DefaultScope
    from mmengine.visualization import Visualizer
    scopes = dict(DefaultScope._instance_dict)
    DefaultScope._instance_dict.clear()
    before = {
        kind: set(kind._instance_dict)
        for kind in (MessageHub, MMLogger, Visualizer)
    }
    yield
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(scopes)
    for kind, names in before.items():
        for name in set(kind._instance_dict) - names:
            instance = kind._instance_dict.pop(name)
            for handler in getattr(instance, 'handlers', ()):  # log files
                handler.close()


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory) -> str:
    """The demo datasets from 120 train and 120 val source digits."""
    out = str(tmp_path_factory.mktemp('demo_data'))
    result = run_python(
        ['tools/misc/make_demo_data.py', '--out', out, '--limit', '120'])
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope='session')
def full_demo_data(tmp_path_factory) -> str:
    """The whole demo datasets, as ``make demo`` writes them (for the few
    tests that need nets trained to a real accuracy)."""
    out = str(tmp_path_factory.mktemp('full_demo_data'))
    result = run_python(['tools/misc/make_demo_data.py', '--out', out])
    assert result.returncode == 0, result.stderr
    return out


def write_fashion_mnist_idx(folder: str,
                            train: int = 24,
                            test: int = 12,
                            gz: bool = True) -> None:
    """A tiny stand-in for Fashion-MNIST's four IDX files (random 28x28
    images, labels cycling over the 10 classes)."""
    import gzip
    import struct

    import numpy as np
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    for prefix, n in (('train', train), ('t10k', test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        for kind, array in (('images-idx3', images), ('labels-idx1', labels)):
            header = struct.pack('>I', 0x800 + array.ndim) + b''.join(
                struct.pack('>I', d) for d in array.shape)
            path = osp.join(folder, f'{prefix}-{kind}-ubyte')
            opener = gzip.open if gz else open
            with opener(path + ('.gz' if gz else ''), 'wb') as f:
                f.write(header + array.tobytes())


@pytest.fixture(scope='session')
def fashion_mnist_idx(tmp_path_factory) -> str:
    """A folder of a tiny synthetic Fashion-MNIST (gzipped IDX files)."""
    folder = str(tmp_path_factory.mktemp('fashion_mnist'))
    write_fashion_mnist_idx(folder)
    return folder


def _repoint(value: Any, data_root: str) -> Any:
    if isinstance(value, str) and value.startswith(DEMO_PREFIX):
        return data_root + value[len(DEMO_PREFIX):]
    if isinstance(value, dict):
        for key in value:
            value[key] = _repoint(value[key], data_root)
    elif isinstance(value, list):
        return [_repoint(v, data_root) for v in value]
    elif isinstance(value, tuple):
        return tuple(_repoint(v, data_root) for v in value)
    return value


# The demo-data config of each task library; its data replaces the data of
# configs written for the real datasets (COCO, Cityscapes, ImageNet).
DEMO_DATA_CONFIGS = {
    'mmpretrain': 'configs/baselines/mmpretrain/resnet18-w8_digits.py',
    'mmdet': 'configs/baselines/mmdet/retinanet_r18-w8_fpn_digits.py',
    'mmseg': 'configs/baselines/mmseg/pspnet_r18-w8-d8_digits.py',
}
DATA_KEYS = ('train_dataloader', 'val_dataloader', 'test_dataloader',
             'val_evaluator', 'test_evaluator')


def task_library(config: str) -> str:
    for library in DEMO_DATA_CONFIGS:
        if f'{os.sep}{library}{os.sep}' in config:
            return library
    raise ValueError(f'no task library folder in {config}')


def is_fashion_mnist_config(cfg: Config) -> bool:
    """Whether a config trains on Fashion-MNIST's IDX files."""
    return cfg.train_dataloader.dataset.get('type') == 'LocalFashionMNIST'


def is_demo_config(cfg: Config) -> bool:
    """Whether a config trains on data that this machine has: the demo data
    or Fashion-MNIST (else: a real dataset the tests swap for the demo's)."""
    return DEMO_PREFIX in str(cfg.to_dict()) or is_fashion_mnist_config(cfg)


def use_demo_data(cfg: Config, library: str) -> None:
    """Give a config for a real dataset the demo data of its task."""
    demo = Config.fromfile(osp.join(REPO, DEMO_DATA_CONFIGS[library]))
    for key in DATA_KEYS:
        cfg[key] = demo[key]
    if library == 'mmseg':  # crops of the demo size, not 512x1024
        cfg.model.data_preprocessor = dict(
            demo.model.data_preprocessor, type='mmseg.SegDataPreProcessor')


def _drop_pretrained(value: Any) -> None:
    if isinstance(value, dict):
        if 'pretrained' in value and isinstance(value['pretrained'], str):
            value['pretrained'] = None
        init = value.get('init_cfg')
        if isinstance(init, dict) and init.get('type') == 'Pretrained':
            value['init_cfg'] = None
        for v in value.values():
            _drop_pretrained(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _drop_pretrained(v)


def student_without_downloads(cfg: Config) -> None:
    """No ImageNet-pretrained student backbones: nothing is downloaded."""
    model = cfg.model
    student = model.get('architecture')
    if student is not None and 'cfg_path' in student:
        from mmengine.hub import get_config
        student_cfg = get_config(student['cfg_path'])
        inlined = student_cfg.model
        inlined.setdefault('_scope_', student['cfg_path'].split('::')[0])
        if 'data_preprocessor' in student_cfg:
            inlined.data_preprocessor = student_cfg.data_preprocessor
        model.architecture = inlined
    _drop_pretrained(model.get('architecture', model))


def flatten(value: Any, prefix: str = '') -> Dict[str, Any]:
    """A (config) dict as ``{dotted.key: leaf}``."""
    if isinstance(value, dict):
        items: Dict[str, Any] = {}
        for k, v in value.items():
            items.update(flatten(v, f'{prefix}{k}.'))
        return items or {prefix[:-1]: {}}
    return {prefix[:-1]: value}


def use_stand_in_teacher(cfg: Config, path: str) -> None:
    """Point ``cfg.model.teacher_ckpt`` at a checkpoint of the teacher as
    built (random weights), written to ``path`` unless it exists: a
    stand-in for the trained teacher a config names."""
    if not osp.exists(path):
        torch.save(
            {'state_dict': MODELS.build(cfg.model.teacher).state_dict()}, path)
    cfg.model.teacher_ckpt = path


def built_runner(config: str,
                 data_root: str,
                 tmp_path,
                 train_samples: int,
                 batch_size: int,
                 edit_cfg: Optional[Callable] = None,
                 **model) -> Runner:
    """A runner of :func:`small_run_cfg` with ``batch_size``, a stand-in
    teacher and ``model`` overrides (then ``edit_cfg(cfg)``), its optim
    wrapper built (for calling ``train_step`` directly)."""
    cfg = small_run_cfg(
        osp.join(REPO, config),
        data_root,
        str(tmp_path / 'work'),
        train_samples=train_samples)
    cfg.train_dataloader.batch_size = batch_size
    use_stand_in_teacher(cfg, str(tmp_path / 'teacher.pth'))
    cfg.model.update(model)
    if edit_cfg is not None:
        edit_cfg(cfg)
    runner = Runner.from_cfg(cfg)
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    return runner


def small_run_cfg(config: str,
                  data_root: str,
                  work_dir: str,
                  train_samples: int = 4,
                  val_samples: int = 4,
                  fashion_mnist_root: Optional[str] = None) -> Config:
    """A shipped config reduced to one training iteration and a tiny val.

    Configs for the real datasets get the demo data of their task; paths
    under ``data/demo`` go to ``data_root``, Fashion-MNIST's folder to
    ``fashion_mnist_root`` if given; datasets keep their first samples only
    (mmengine's ``indices``); one epoch or one iteration.
    """
    cfg = Config.fromfile(config)
    cfg.work_dir = work_dir
    if fashion_mnist_root and is_fashion_mnist_config(cfg):
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            cfg[key].dataset.data_root = fashion_mnist_root
    if not is_demo_config(cfg):
        use_demo_data(cfg, task_library(config))
        student_without_downloads(cfg)
        # their heads have the real dataset's classes (80, 19, 1000): scoring
        # them on the demo classes is meaningless, so they train only
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
        cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    _repoint(cfg._cfg_dict, data_root)
    batch = cfg.train_dataloader.batch_size = min(
        cfg.train_dataloader.batch_size, train_samples)
    cfg.train_dataloader.dataset.indices = train_samples
    for split in ('val', 'test'):
        loader = cfg.get(f'{split}_dataloader')  # None: trains only
        if loader:
            loader.dataset.indices = val_samples
            loader.batch_size = min(loader.batch_size, val_samples)
    if cfg.train_cfg.get('by_epoch', True) and 'max_epochs' in cfg.train_cfg:
        cfg.train_cfg.max_epochs = 1
        cfg.train_cfg.val_interval = 1
        cfg.param_scheduler = None
    else:
        cfg.train_cfg.max_iters = train_samples // batch
        cfg.train_cfg.val_interval = cfg.train_cfg.max_iters
        cfg.train_cfg.setdefault('type', 'IterBasedTrainLoop')
        cfg.param_scheduler = None
        cfg.default_hooks.checkpoint.interval = cfg.train_cfg.max_iters
    for _, wrapper in optim_wrapper_cfgs(cfg):
        if wrapper.get('type') == 'AmpOptimWrapper':
            # fp16 needs an accelerator; AMP steps are tests/test_amp.py's
            wrapper.type = 'OptimWrapper'
            wrapper.pop('loss_scale', None)
    cfg.default_hooks.logger.interval = 1
    cfg.log_level = 'WARNING'
    return cfg


@pytest.fixture
def make_cfg(demo_data, fashion_mnist_idx, tmp_path):
    """``make_cfg(config_path, **kw)``: :func:`small_run_cfg` on demo data
    (Fashion-MNIST configs: on the synthetic IDX files)."""

    def make(config: str, **kwargs) -> Config:
        kwargs.setdefault('fashion_mnist_root', fashion_mnist_idx)
        return small_run_cfg(
            osp.join(REPO, config), demo_data, str(tmp_path / 'work'),
            **kwargs)

    return make
