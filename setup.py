# Copyright (c) OpenMMLab. All rights reserved.
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))
MIM_FILES = ['configs', 'tools', 'model-index.yml']


def read_version() -> str:
    scope = {}
    with open(osp.join(HERE, 'mote_mmaction', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


def read_requirements(name: str):
    reqs = []
    with open(osp.join(HERE, 'requirements', name)) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                reqs.append(line)
    return reqs


def add_mim_extension() -> None:
    """Put configs/, tools/ and model-index.yml in ``mote_mmaction/.mim``.

    ``mim train mote_mmaction CFG`` looks there. Wheels and sdists get
    copies; editable installs (``develop`` or PEP 660 ``editable_wheel``,
    which modern pip runs instead of ``develop``) get symlinks, so edits to
    the configs are seen without reinstalling.
    """
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv:
        mode = 'symlink'
    elif any(cmd in sys.argv for cmd in ('sdist', 'bdist_wheel', 'build',
                                         'build_py', 'install')):
        mode = 'copy'
    else:
        return
    mim_dir = osp.join(HERE, 'mote_mmaction', '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    for name in MIM_FILES:
        src = osp.join(HERE, name)
        dst = osp.join(mim_dir, name)
        if osp.islink(dst) and osp.realpath(dst) == osp.realpath(src):
            # Already linked by an editable install: keep the link (wheel
            # and sdist builds copy the files it points to), so building a
            # wheel does not freeze the editable install's configs.
            continue
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_dir), dst)
        elif osp.isdir(src):
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns(
                '__pycache__', '*.pyc'))
        else:
            shutil.copyfile(src, dst)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mote_mmaction',
        version=read_version(),
        description='MoTE (NeurIPS 2024) for MMAction2: mixture of temporal '
        'experts for CLIP-based video recognition',
        long_description=open(osp.join(HERE, 'README.md')).read(),
        long_description_content_type='text/markdown',
        license='Apache License 2.0',
        python_requires='>=3.9',
        packages=find_packages(include=['mote_mmaction', 'mote_mmaction.*']),
        include_package_data=True,
        package_data={
            'mote_mmaction': [
                '.mim/model-index.yml', '.mim/configs/**/*.py',
                '.mim/configs/**/*.yml', '.mim/configs/**/*.txt',
                '.mim/configs/**/*.csv', '.mim/tools/**/*.py',
                '.mim/tools/**/*.sh', '.mim/tools/**/*.md'
            ]
        },
        install_requires=read_requirements('runtime.txt'),
        extras_require={
            'tests': read_requirements('tests.txt'),
            'mim': read_requirements('mminstall.txt'),
            'decoders': read_requirements('decoders.txt'),
            'plot': read_requirements('plot.txt'),
        },
        zip_safe=False)
