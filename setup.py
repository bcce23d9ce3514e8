# Copyright (c) OpenMMLab. All rights reserved.
"""The build steps ``pyproject.toml`` cannot express (metadata lives there).

``mim train/test/search mote_mmaction`` read ``configs/``, ``tools/`` and
``model-index.yml`` from ``<package>/.mim``:

* wheels (``pip install .``, ``pip wheel .``, ``python -m build``) get copies,
  written into the build directory only;
* editable installs get ``mote_mmaction/.mim`` as links into the checkout
  (git-ignored), so edited configs are seen without reinstalling.

All intermediate output (``build/``, ``*.egg-info``) goes to a temporary
directory, so building leaves the checkout as it was.
"""
import atexit
import os
import os.path as osp
import shutil
import tempfile
from typing import Dict, Iterator, Optional, Tuple

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.editable_wheel import editable_wheel

HERE = osp.dirname(osp.abspath(__file__))
PACKAGE = 'mote_mmaction'
# What ``<package>/.mim`` holds, and the file types shipped of each folder.
MIM_CONTENT: Dict[str, Optional[Tuple[str, ...]]] = {
    'configs': ('.py', '.yml', '.txt', '.csv'),
    'tools': ('.py', '.sh', '.md'),
    'model-index.yml': None,
}


def mim_files(root: str) -> Iterator[str]:
    """Yield the paths, relative to ``root``, that ``.mim`` ships."""
    for name, exts in MIM_CONTENT.items():
        if exts is None:
            yield name
            continue
        for dirpath, dirnames, filenames in os.walk(osp.join(root, name)):
            dirnames[:] = sorted(d for d in dirnames if d != '__pycache__')
            for filename in sorted(filenames):
                if filename.endswith(exts):
                    yield osp.relpath(osp.join(dirpath, filename), root)


class BuildPy(build_py):
    """``build_py`` that also copies the ``.mim`` content into ``build_lib``
    (never into the source tree)."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # editable installs link, see EditableWheel
            return
        mim_dir = osp.join(self.build_lib, PACKAGE, '.mim')
        for rel in mim_files(HERE):
            dst = osp.join(mim_dir, rel)
            self.mkpath(osp.dirname(dst))
            self.copy_file(osp.join(HERE, rel), dst)


class EditableWheel(editable_wheel):
    """PEP 660 editable wheel that ``mim`` and mmengine can locate.

    Both find a package's folder as ``<dist location>/<first line of
    top_level.txt>`` (``pkg_resources``). An editable install's dist-info
    sits in site-packages while the package stays in the checkout, so that
    folder does not exist and ``mim list`` skips the package. An editable
    wheel is bound to this checkout anyway (its finder maps the import to
    it): its ``top_level.txt`` names the checkout's package folder first
    (``os.path.join`` keeps an absolute second part), then the import name.
    """

    def run(self) -> None:
        self._link_mim()
        if self.dist_info_dir is None:  # pip passes its own metadata dir
            dist_info = self.reinitialize_command('dist_info')
            dist_info.output_dir = self.dist_dir
            dist_info.ensure_finalized()
            dist_info.run()
            self.dist_info_dir = dist_info.dist_info_dir
        self._point_top_level(str(self.dist_info_dir))
        super().run()

    @staticmethod
    def _link_mim() -> None:
        mim_dir = osp.join(HERE, PACKAGE, '.mim')
        os.makedirs(mim_dir, exist_ok=True)
        for name in MIM_CONTENT:
            src, dst = osp.join(HERE, name), osp.join(mim_dir, name)
            if osp.islink(dst) and osp.realpath(dst) == osp.realpath(src):
                continue
            if osp.isdir(dst) and not osp.islink(dst):
                shutil.rmtree(dst)  # copies left by an old setup.py
            elif osp.lexists(dst):
                os.remove(dst)
            os.symlink(osp.relpath(src, mim_dir), dst)

    @staticmethod
    def _point_top_level(dist_info_dir: str) -> None:
        path = osp.join(dist_info_dir, 'top_level.txt')
        pkg_dir = osp.join(HERE, PACKAGE)
        with open(path) as f:
            names = [n for n in f.read().split() if n != pkg_dir]
        with open(path, 'w') as f:
            f.write('\n'.join([pkg_dir] + names) + '\n')


if __name__ == '__main__':
    tmp = tempfile.mkdtemp(prefix=f'{PACKAGE}-build-')
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    setup(
        cmdclass=dict(build_py=BuildPy, editable_wheel=EditableWheel),
        options=dict(
            build=dict(build_base=osp.join(tmp, 'build')),
            egg_info=dict(egg_base=tmp)))
