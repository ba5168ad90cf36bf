# Copyright (c) tstkd_plugin contributors.
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))

# What a GPU-cluster user needs, as ranges. Each range was run at both ends:
# `make test-oldest` (requirements/pinned-oldest.txt: torch 2.1.2, kornia
# 0.7.4, numpy 1.23.5, opencv 4.7) and `make test` (requirements/pinned.txt:
# torch 2.14.1, kornia 0.9.0, numpy 1.26, opencv 4.11); the mm packages are
# at their last 1.x/3.x/0.10.x releases in both. torch 2.15.0 (the newest
# release at the time, with torchvision 0.29.2, kornia 0.9.0 and mmcv 2.1.0
# built for it) was run once by hand, not in CI: all 301 tests passed
# (README). mmcv is not pip-installable from wheels for every torch: install
# it with `mim install "mmcv==2.1.0"` (README).
INSTALL_REQUIRES = [
    'torch>=2.1,<2.16',
    'torchvision>=0.16,<0.30',
    'mmengine>=0.10.7,<0.11.0',
    'mmcv>=2.1.0,<2.2.0',
    'mmpretrain>=1.2.0,<1.3.0',
    'mmdet>=3.3.0,<3.4.0',
    'mmsegmentation>=1.2.2,<1.3.0',
    'mmrazor>=1.0.0,<1.1.0',
    # kornia 0.8.3 fails to import on torch 2.1 and 0.9 needs torch >= 2.5.1;
    # without 0.8, pip picks 0.7.4 for torch < 2.5.1 and 0.9 above, the two
    # kornias the project runs.
    'kornia>=0.7.4,!=0.8.*,<0.10',
    'numpy>=1.23.5,<2',
    # opencv 4.12+ needs numpy 2
    'opencv-python>=4.7,<4.12',
    # imported by the mm packages without being declared by them
    'joblib',
    'ftfy',
    'regex',
]


def add_mim_extension() -> None:
    """Expose configs, tools and the model index under ``tstkd_plugin/.mim``.

    mmengine resolves ``tstkd_plugin::path/to/config.py`` and mim finds tools
    there. Editable installs link the folders, built packages copy them.
    """
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv:
        mode = 'symlink'
    elif any(cmd in sys.argv for cmd in ('sdist', 'bdist_wheel', 'install',
                                         'build', 'build_py')):
        mode = 'copy'
    else:
        return
    mim_root = osp.join(HERE, 'tstkd_plugin', '.mim')
    os.makedirs(mim_root, exist_ok=True)
    for name in ('configs', 'tools', 'model-index.yml'):
        src, dst = osp.join(HERE, name), osp.join(mim_root, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_root), dst)
        elif osp.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copyfile(src, dst)


def version() -> str:
    scope: dict = {}
    with open(osp.join(HERE, 'tstkd_plugin', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='tstkd_plugin',
        version=version(),
        description='TST, DIST and SoKD knowledge distillation for mmrazor',
        long_description=open(osp.join(HERE, 'README.md')).read()
        if osp.exists(osp.join(HERE, 'README.md')) else '',
        long_description_content_type='text/markdown',
        license='Apache License 2.0',
        python_requires='>=3.8',
        packages=find_packages(include=['tstkd_plugin', 'tstkd_plugin.*']),
        include_package_data=True,
        package_data={'tstkd_plugin': ['.mim/configs/**/*.py',
                                       '.mim/tools/**/*',
                                       '.mim/model-index.yml']},
        install_requires=INSTALL_REQUIRES,
        extras_require={'tests': ['pytest', 'scikit-learn', 'matplotlib',
                                  'pycocotools']},
        zip_safe=False)
