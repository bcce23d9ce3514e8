# Copyright (c) OpenMMLab. All rights reserved.
"""How a message names one of the repository's ``tools/`` scripts.

A source checkout runs ``python tools/<path>.py``; a ``pip install`` has
no ``tools/`` folder on disk, and its scripts run through OpenMMLab's MIM
(``mim run mote_mmaction <name>``, which finds ``<name>.py`` under the
package's ``.mim/tools``). Every hint that names a tool goes through
:func:`tool_command` (or :func:`with_tool_commands` for a hint written in
a config), so the command it prints is one the user can run.
"""
import os.path as osp
import re

PACKAGE = 'mote_mmaction'
#: The repository root of a source checkout (the package's parent).
_REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_PYTHON_TOOL = re.compile(r'python (tools/[\w/.-]+\.py)')


def tools_on_disk(script: str) -> bool:
    """Whether ``script`` (``tools/...py``) exists next to the package (a
    source checkout or an editable install)."""
    return osp.isfile(osp.join(_REPO, script))


def tool_command(script: str, *args: str) -> str:
    """The command that runs ``script`` with ``args`` here.

    Args:
        script (str): The script's path in the repository, e.g.
            ``'tools/convert_official_ckpt.py'``.
        *args (str): Its arguments.

    Returns:
        str: ``python tools/...py ARGS`` in a source checkout, else
        ``mim run mote_mmaction <name> ARGS``.

    Example:
        >>> tool_command('tools/convert_official_ckpt.py', 'a.pt', 'b.pth')
        'python tools/convert_official_ckpt.py a.pt b.pth'
    """
    if tools_on_disk(script):
        head = f'python {script}'
    else:
        name = osp.splitext(osp.basename(script))[0]
        head = f'mim run {PACKAGE} {name}'
    return ' '.join([head, *map(str, args)])


def with_tool_commands(text: str) -> str:
    """``text`` with each ``python tools/...py`` written as
    :func:`tool_command` writes it (for hints set in configs)."""
    return _PYTHON_TOOL.sub(lambda m: tool_command(m.group(1)), text)
