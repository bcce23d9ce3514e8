# Copyright (c) OpenMMLab. All rights reserved.
"""FFmpeg for torchcodec from PyAV's wheel: no system FFmpeg needed.

torchcodec's wheel links the FFmpeg shared libraries by their plain names
(``libavutil.so.60``, ...) and ships none. PyAV's wheel bundles a full
FFmpeg, but under mangled names (``av.libs/libavutil-5809ad29.so.60...``)
that the dynamic loader does not match, and glibc reads
``LD_LIBRARY_PATH`` only when a process starts, so a running Python cannot
be pointed at them. This module makes a folder of symbolic links with the
plain names (plus the mangled ones, which the libraries load each other
by, relative to the folder) for ``LD_LIBRARY_PATH``::

    FFMPEG=$(python -m mote_mmaction.compat.torchcodec_ffmpeg)
    export LD_LIBRARY_PATH=$FFMPEG${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

The links point at PyAV's own files, so PyAV and torchcodec share one
FFmpeg in a process. Everything comes from PyPI (``av`` and
``torchcodec``); a system FFmpeg 4-9 works too and needs none of this.
"""
import hashlib
import importlib.util
import os
import os.path as osp
import re
import sys
import tempfile
from typing import Dict, Optional

# ``libavcodec-5e6b81c2.so.62.28.102`` -> ``libavcodec.so.62``
_MANGLED = re.compile(r'^(lib(?:av|sw|postproc)[a-z]*)-[0-9a-f]{8}'
                      r'\.so\.(\d+)(?:\.\d+)*$')


def pyav_libs_dir() -> str:
    """The folder of FFmpeg libraries bundled by PyAV's wheel
    (``site-packages/av.libs``).

    Raises:
        FileNotFoundError: PyAV is not installed, or was built against a
            system FFmpeg (no bundled libraries).
    """
    spec = importlib.util.find_spec('av')
    if spec is None or spec.origin is None:
        raise FileNotFoundError('PyAV is not installed (pip install av)')
    libs = osp.join(osp.dirname(osp.dirname(spec.origin)), 'av.libs')
    if not osp.isdir(libs):
        raise FileNotFoundError(
            f'{libs} does not exist: this PyAV bundles no FFmpeg (built '
            'against a system FFmpeg, which torchcodec can use directly)')
    return libs


def plain_names(libs: str) -> Dict[str, str]:
    """``plain soname -> mangled file`` for PyAV's FFmpeg libraries."""
    out = {}
    for name in sorted(os.listdir(libs)):
        m = _MANGLED.match(name)
        if m:
            out[f'{m.group(1)}.so.{m.group(2)}'] = name
    if not any(k.startswith('libavcodec.') for k in out):
        raise FileNotFoundError(f'no libavcodec in {libs}')
    return out


def default_link_dir(libs: str) -> str:
    """A per-user cache folder named after PyAV's library folder."""
    cache = os.environ.get('XDG_CACHE_HOME') or osp.join(
        osp.expanduser('~'), '.cache')
    key = hashlib.sha1(osp.realpath(libs).encode()).hexdigest()[:10]
    return osp.join(cache, 'mote_mmaction', f'pyav_ffmpeg_{key}')


def link_pyav_ffmpeg(folder: Optional[str] = None) -> str:
    """Create (once) the folder of links to PyAV's FFmpeg and return it.

    The folder is filled under a temporary name and renamed into place,
    so concurrent callers never see a half-made folder.

    Args:
        folder (str, optional): Where to make it. Defaults to
            :func:`default_link_dir`.

    Returns:
        str: The folder, for ``LD_LIBRARY_PATH``.
    """
    libs = pyav_libs_dir()
    folder = osp.abspath(folder or default_link_dir(libs))
    names = plain_names(libs)
    if all(osp.exists(osp.join(folder, n)) for n in names):
        return folder
    parent = osp.dirname(folder)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix='.tmp_', dir=parent)
    # mangled names too: the libraries find each other through $ORIGIN,
    # which is the folder of the link, not of its target
    for name in os.listdir(libs):
        os.symlink(osp.join(libs, name), osp.join(tmp, name))
    for plain, mangled in names.items():
        os.symlink(osp.join(libs, mangled), osp.join(tmp, plain))
    try:
        os.rename(tmp, folder)
    except OSError:  # made meanwhile by another process, or stale: replace
        if not all(osp.exists(osp.join(folder, n)) for n in names):
            for name in os.listdir(folder):
                os.unlink(osp.join(folder, name))
            os.rmdir(folder)
            os.rename(tmp, folder)
        else:
            for name in os.listdir(tmp):
                os.unlink(osp.join(tmp, name))
            os.rmdir(tmp)
    return folder


def main() -> None:
    """Print the folder for ``LD_LIBRARY_PATH`` (creating it)."""
    folder = sys.argv[1] if len(sys.argv) > 1 else None
    print(link_pyav_ffmpeg(folder))


if __name__ == '__main__':
    main()
