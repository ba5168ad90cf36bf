# Copyright (c) tstkd_plugin contributors.
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))

# What a GPU-cluster user needs, as ranges (this machine's exact pins are in
# requirements/pinned.txt). mmcv is not pip-installable from wheels for every
# torch: install it with `mim install "mmcv>=2.0.0rc4,<=2.1.0"` (README).
INSTALL_REQUIRES = [
    'torch>=2.0',
    'mmengine>=0.10.0,<0.11.0',
    'mmcv>=2.0.0rc4,<=2.1.0',
    'mmpretrain>=1.0.0,<2.0.0',
    'mmdet>=3.0.0,<4.0.0',
    'mmsegmentation>=1.0.0,<2.0.0',
    'mmrazor>=1.0.0,<1.1.0',
    'kornia>=0.7',
    'numpy<2',
    # imported by the mm packages without being declared by them
    'torchvision',
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
