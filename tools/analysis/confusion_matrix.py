# Copyright (c) OpenMMLab. All rights reserved.
"""MMAction2's ``confusion_matrix.py`` for MoTE configs.

    python tools/analysis/confusion_matrix.py CONFIG CKPT.pth \
        --show-path cm.png --include-values [--out cm.pkl]
    python tools/analysis/confusion_matrix.py CONFIG results.pkl ...

Same arguments as MMAction2's ``tools/analysis_tools/confusion_matrix.py``
(the checkpoint, or the predictions ``tools/test.py --dump`` wrote), which
this runs unchanged. The stock script registers MMAction2's modules before
it reads the config, so a config's ``custom_imports`` comes too late: with
the mmaction2 1.2.0 wheel that registration fails on the missing ``drn``
module (open-mmlab/mmaction2#2714) and MoTE's classes are unknown. This
wrapper imports ``mote_mmaction`` first (its compat patches and
registrations), then runs the stock script, found in the installed
mmaction2 (``mmaction/.mim/tools/analysis_tools``) or given with
``--stock-script PATH`` (a source checkout's).
"""
import argparse
import importlib.util
import os.path as osp
import runpy
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

STOCK = osp.join('tools', 'analysis_tools', 'confusion_matrix.py')


def stock_script(given=None) -> str:
    """Path of MMAction2's script: ``given``, else the installed wheel's.

    Raises:
        FileNotFoundError: Not found (names where it looked and the fix).
    """
    if given:
        if not osp.isfile(given):
            raise FileNotFoundError(f'--stock-script {given}: no such file')
        return given
    spec = importlib.util.find_spec('mmaction')
    looked = []
    for root in (spec.submodule_search_locations or []) if spec else []:
        for base in (osp.join(root, '.mim'), osp.dirname(root)):
            path = osp.join(base, STOCK)
            if osp.isfile(path):
                return path
            looked.append(path)
    raise FileNotFoundError(
        'MMAction2\'s confusion_matrix.py is not installed here (looked in '
        f'{", ".join(looked) or "no mmaction package"}); pass '
        f'--stock-script PATH/TO/mmaction2/{STOCK}')


def main(argv=None):
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument('--stock-script')
    own, rest = parser.parse_known_args(argv)
    try:
        script = stock_script(own.stock_script)
    except FileNotFoundError as e:
        sys.exit(f'error: {e}')
    import mote_mmaction  # noqa: F401  (compat patches, MoTE registries)
    sys.argv = [script, *rest]
    runpy.run_path(script, run_name='__main__')


if __name__ == '__main__':
    main()
