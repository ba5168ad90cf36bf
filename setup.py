# Copyright (c) tstkd_plugin contributors.
import os
import os.path as osp
import shutil
import sys
from setuptools import find_packages, setup
from setuptools.command.build_py import build_py
from setuptools.command.editable_wheel import editable_wheel
from typing import List

HERE = osp.dirname(osp.abspath(__file__))

# Config-prefix start-up hook (``_tstkd_plugin_prefix``): a ``.pth`` file in
# site-packages that lets mmengine resolve ``tstkd_plugin::`` configs before
# the plugin is imported.
PREFIX_HOOK_PTH = 'tstkd_plugin-config-prefix.pth'


def read_requirements(name: str) -> List[str]:
    """The requirement lines of ``requirements/<name>.txt``."""
    with open(osp.join(HERE, 'requirements', f'{name}.txt')) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


class BuildPyWithPrefixHook(build_py):
    """Wheels and sdists: the ``.pth`` file goes to the root of the build,
    which a wheel installs into site-packages."""

    def run(self) -> None:
        super().run()
        self.copy_file(
            osp.join(HERE, PREFIX_HOOK_PTH),
            osp.join(self.build_lib, PREFIX_HOOK_PTH))

    def get_outputs(self, include_bytecode: bool = True) -> List[str]:
        return super().get_outputs(include_bytecode) + [
            osp.join(self.build_lib, PREFIX_HOOK_PTH)
        ]


class EditableWheelWithPrefixHook(editable_wheel):
    """``pip install -e .``: editable wheels leave ``build_py``'s extra
    files out, so the ``.pth`` file is written into the wheel's root where
    setuptools writes its own ``.pth`` files (the hook it offers for them,
    as of setuptools 64-80)."""

    def _install_namespaces(self, installation_dir: str,
                            pth_prefix: str) -> None:
        super()._install_namespaces(installation_dir, pth_prefix)
        shutil.copyfile(
            osp.join(HERE, PREFIX_HOOK_PTH),
            osp.join(installation_dir, PREFIX_HOOK_PTH))


def add_mim_extension() -> None:
    """Expose configs, tools and the model index under ``tstkd_plugin/.mim``.

    mmengine resolves ``tstkd_plugin::path/to/config.py`` and mim finds tools
    there. Editable installs link the folders, built packages copy them.
    """
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv:
        mode = 'symlink'
    elif any(
            cmd in sys.argv for cmd in ('sdist', 'bdist_wheel', 'install',
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
        py_modules=['_tstkd_plugin_prefix'],
        include_package_data=True,
        package_data={
            'tstkd_plugin': [
                '.mim/configs/**/*.py', '.mim/configs/**/*.yml',
                '.mim/configs/**/*.md', '.mim/tools/**/*',
                '.mim/model-index.yml'
            ]
        },
        install_requires=read_requirements('runtime'),
        extras_require={
            'all':
            read_requirements('runtime') + read_requirements('optional') +
            read_requirements('deploy') + read_requirements('tests'),
            'tests':
            read_requirements('tests'),
            'optional':
            read_requirements('optional'),
            'deploy':
            read_requirements('deploy'),
            'mim':
            read_requirements('mminstall'),
        },
        cmdclass={
            'build_py': BuildPyWithPrefixHook,
            'editable_wheel': EditableWheelWithPrefixHook
        },
        zip_safe=False)
