# Copyright (c) OpenMMLab. All rights reserved.
"""The folder of links to PyAV's bundled FFmpeg under the names torchcodec
loads (``libavcodec.so.62``, ...). Running torchcodec with it is tested in
``test_video_decode.py``."""
import importlib.util
import os
import os.path as osp
import sys

import pytest

from mote_mmaction.compat import torchcodec_ffmpeg
from mote_mmaction.compat.torchcodec_ffmpeg import (
    default_link_dir, link_pyav_ffmpeg, plain_names, pyav_libs_dir)


def test_plain_names_of_mangled_libraries(tmp_path):
    """FFmpeg's libraries by soname major version; other bundled libraries
    (codecs, X11) are not renamed."""
    for name in ('libavcodec-5e6b81c2.so.62.28.102',
                 'libavutil-5809ad29.so.60', 'libswscale-88e9f973.so.9.5.102',
                 'libpostproc-0123abcd.so.58.1.100',
                 'libx264-d6533a8d.so.165', 'libxcb-5ddf6756.so.1.1.0',
                 'libavcodec.so.62'):
        (tmp_path / name).write_text('')
    assert plain_names(str(tmp_path)) == {
        'libavcodec.so.62': 'libavcodec-5e6b81c2.so.62.28.102',
        'libavutil.so.60': 'libavutil-5809ad29.so.60',
        'libpostproc.so.58': 'libpostproc-0123abcd.so.58.1.100',
        'libswscale.so.9': 'libswscale-88e9f973.so.9.5.102',
    }
    (tmp_path / 'libavcodec-5e6b81c2.so.62.28.102').unlink()
    with pytest.raises(FileNotFoundError, match='no libavcodec in'):
        plain_names(str(tmp_path))


def test_pyav_libs_dir_without_bundled_ffmpeg(monkeypatch, tmp_path):
    """PyAV missing, or built against a system FFmpeg (no ``av.libs``):
    a clear error instead of an empty folder of links."""
    real_find_spec = importlib.util.find_spec
    monkeypatch.setitem(sys.modules, 'av', None)
    with pytest.raises(FileNotFoundError, match='PyAV is not installed'):
        pyav_libs_dir()
    origin = tmp_path / 'site-packages' / 'av' / '__init__.py'
    spec = importlib.util.spec_from_file_location('av', str(origin))
    monkeypatch.setattr(
        importlib.util, 'find_spec', lambda name, *a: spec
        if name == 'av' else real_find_spec(name, *a))
    with pytest.raises(FileNotFoundError,
                       match=r'site-packages/av.libs does not exist: this '
                       'PyAV bundles no FFmpeg'):
        pyav_libs_dir()


def test_default_link_dir_is_per_libs_folder(monkeypatch, tmp_path):
    """Under ``$XDG_CACHE_HOME``; the same for a symlink to the same
    folder, another for another PyAV."""
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'cache'))
    (tmp_path / 'a').mkdir()
    (tmp_path / 'b').mkdir()
    os.symlink(tmp_path / 'a', tmp_path / 'link_to_a')
    folder = default_link_dir(str(tmp_path / 'a'))
    assert osp.dirname(folder) == str(tmp_path / 'cache' / 'mote_mmaction')
    assert osp.basename(folder).startswith('pyav_ffmpeg_')
    assert default_link_dir(str(tmp_path / 'link_to_a')) == folder
    assert default_link_dir(str(tmp_path / 'b')) != folder


def test_pyav_ffmpeg_links(tmp_path):
    """Every link resolves, plain and mangled names point at the same
    files, and a complete folder is reused."""
    folder = link_pyav_ffmpeg(str(tmp_path / 'ffmpeg'))
    libs = pyav_libs_dir()
    names = os.listdir(folder)
    assert any(n.startswith('libavcodec.so.') for n in names)
    for n in names:
        assert osp.exists(osp.join(folder, n)), n  # no dangling link
    assert set(names) == set(os.listdir(libs)) | set(plain_names(libs))
    for plain, mangled in plain_names(libs).items():
        assert osp.realpath(osp.join(folder, plain)) == osp.realpath(
            osp.join(libs, mangled))
    assert link_pyav_ffmpeg(folder) == folder  # reused


def test_stale_folder_is_replaced(tmp_path):
    """A half-made folder (e.g. an older PyAV's) is replaced whole; no
    temporary folder is left beside it."""
    folder = tmp_path / 'ffmpeg'
    folder.mkdir()
    (folder / 'libavcodec.so.58').write_text('stale')
    assert link_pyav_ffmpeg(str(folder)) == str(folder)
    names = set(os.listdir(folder))
    assert 'libavcodec.so.58' not in names
    assert set(plain_names(pyav_libs_dir())) <= names
    assert os.listdir(tmp_path) == ['ffmpeg']


def test_main_prints_the_folder(tmp_path, monkeypatch, capsys):
    """``FFMPEG=$(python -m ...torchcodec_ffmpeg [folder])``."""
    folder = str(tmp_path / 'ffmpeg')
    monkeypatch.setattr(sys, 'argv', ['torchcodec_ffmpeg', folder])
    torchcodec_ffmpeg.main()
    assert capsys.readouterr().out == folder + '\n'
    assert osp.isdir(folder)
