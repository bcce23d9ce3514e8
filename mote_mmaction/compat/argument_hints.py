# Copyright (c) OpenMMLab. All rights reserved.
"""Unknown keyword arguments of MoTE's registered classes name the fix.

A typo in a config (``cls_head=dict(type='MoTEHead', num_expert=4)``)
reaches Python's bare ``TypeError: BaseHead.__init__() got an unexpected
keyword argument 'num_expert'``: it names a base class, not the part, the
config key or the intended name. :func:`hint_unknown_arguments` wraps the
constructor of every class this package registered, once, at import; an
unknown keyword then raises :class:`UnknownArgumentError` naming the class,
the key, the nearest valid names (``difflib``) and the config key path,
e.g. ``model.cls_head.num_expert`` (built up by the enclosing MoTE parts
as the error passes through their constructors).
"""
import difflib
import functools
import inspect
import re
from typing import Iterable, List, Optional

_CALL_ERROR = re.compile(r'unexpected keyword argument|missing \d+ required')
_WRAPPED = '_mote_argument_hints'


class UnknownArgumentError(TypeError):
    """A registered class was given a keyword argument it does not take.

    Args:
        cls_name (str): The class.
        key (str): The unknown argument.
        valid (list[str]): The arguments the class takes.
    """

    def __init__(self, cls_name: str, key: str, valid: List[str]) -> None:
        super().__init__(cls_name, key)
        self.cls_name, self.key, self.valid = cls_name, key, valid
        #: Config keys of the enclosing parts, outermost first.
        self.path: List[str] = []

    def __str__(self) -> str:
        near = difflib.get_close_matches(self.key, self.valid, n=3,
                                         cutoff=0.6)
        where = (f'config key {".".join([*self.path, self.key])}'
                 if self.path else f'key {self.key!r} of its config')
        if near:
            fix = f'did you mean {" or ".join(repr(n) for n in near)}?'
        else:
            fix = (f'it takes {", ".join(self.valid)}.' if self.valid else
                   'it takes no arguments.')
        return (f'{self.cls_name} got an unknown argument {self.key!r} '
                f'({where}): {fix} Fix or remove the key.')


def valid_arguments(cls: type) -> List[str]:
    """Keyword arguments ``cls(...)`` takes: its ``__init__``'s, and those
    of the base classes its ``**kwargs`` are passed on to."""
    names: List[str] = []
    for klass in cls.__mro__:
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        init = getattr(init, '__wrapped__', init)
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):  # builtins
            break
        for p in params:
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and \
                    p.name != 'self' and p.name not in names:
                names.append(p.name)
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return names


def _config_key(kwargs: dict, err: UnknownArgumentError) -> Optional[str]:
    """The argument of ``kwargs`` whose config built the failing part (or
    holds, under ``err.path[0]``, the config of a part that did)."""
    for name, value in kwargs.items():
        items = value if isinstance(value, (list, tuple)) else [value]
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            if err.path:
                found = isinstance(item.get(err.path[0]), dict)
            else:
                kind = item.get('type')
                kind = getattr(kind, '__name__', kind)
                found = err.key in item and (
                    kind is None or str(kind).split('.')[-1] == err.cls_name)
            if found:
                return name if item is value else f'{name}[{i}]'
    return None


def with_argument_hints(cls: type) -> type:
    """Class decorator: unknown keyword arguments of ``cls`` raise
    :class:`UnknownArgumentError` (see the module docstring)."""
    if cls.__dict__.get(_WRAPPED) or '__init__' not in cls.__dict__:
        return cls
    init = cls.__init__
    from mmengine.model import BaseModel
    # models are built from the config's `model` key
    top = 'model' if issubclass(cls, BaseModel) else None

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        try:
            init(self, *args, **kwargs)
        except UnknownArgumentError as e:
            own = e.cls_name == type(self).__name__ and e.key in kwargs
            key = None if own else _config_key(kwargs, e)
            if key is not None:  # raised by a part built inside
                e.path.insert(0, key)
            if top and type(self) is cls and (own or key is not None):
                e.path.insert(0, top)
            raise
        except TypeError as e:
            # unknown keyword, or a required one missing because misspelt
            # (a class taking **kwargs reports the latter first)
            if not _CALL_ERROR.search(str(e)):
                raise
            valid = valid_arguments(type(self))
            unknown = [k for k in kwargs if k not in valid]
            if not unknown:
                raise
            err = UnknownArgumentError(type(self).__name__, unknown[0],
                                       valid)
            if top and type(self) is cls:
                err.path.insert(0, top)
            raise err from None

    cls.__init__ = __init__
    setattr(cls, _WRAPPED, True)
    return cls


def hint_unknown_arguments(registries: Iterable = (),
                           package: str = 'mote_mmaction') -> int:
    """Apply :func:`with_argument_hints` to every class of ``package``
    registered in ``registries`` (default: every MMAction2 and MMEngine
    registry).

    Returns:
        int: The classes wrapped.
    """
    if not registries:
        import mmaction.registry as mmaction_registry
        import mmengine.registry as mmengine_registry
        from mmengine.registry import Registry
        registries = [
            r for mod in (mmaction_registry, mmengine_registry)
            for r in vars(mod).values() if isinstance(r, Registry)
        ]
    count = 0
    for registry in registries:
        for cls in list(registry.module_dict.values()):
            if inspect.isclass(cls) and \
                    cls.__module__.split('.')[0] == package and \
                    not cls.__dict__.get(_WRAPPED):
                with_argument_hints(cls)
                count += 1
    return count
