"""Reading a MONAI bundle's JSON config without MONAI and without running its code.

MONAI's ConfigParser syntax, as far as a converter needs it:

- ``"@a#b#0"`` is the value at path a → b → 0 (``#`` separates keys and list indices);
- ``"$expr"`` is a Python expression in which ``@a#b`` names other values;
- ``"%file#path"`` is a value from another config file of the bundle;
- ``{"_target_": "Name", ...}`` is an object to build.

Expressions are evaluated by a small interpreter over Python's ``ast``: literals, lists, tuples,
dicts, arithmetic, comparisons, ``and``/``or``/``not``, ``x if c else y``, indexing and the
references. Anything else (calls, attributes, imports) is refused with the path named, and only
when a converter actually needs that value: a bundle's ``device`` expression is never evaluated.
"""

from __future__ import annotations

import ast
import json
import operator
import os
import re
from typing import Any, Dict, List, Optional

from .common import ConvertError

_REF = re.compile(r'@([A-Za-z0-9_#]+)')
_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_CMPOPS = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}


class Unresolved:
    """A value the converter could not evaluate; ``need()`` raises its error when it is used."""

    def __init__(self, error: ConvertError):
        self.error = error

    def __repr__(self) -> str:
        return f'<unresolved: {self.error}>'


def need(value: Any) -> Any:
    """``value``, or the error that kept it from being evaluated (also inside lists and dicts)."""
    if isinstance(value, Unresolved):
        raise value.error
    if isinstance(value, (list, tuple)):
        for v in value:
            need(v)
    if isinstance(value, dict):
        for v in value.values():
            need(v)
    return value


class BundleConfig:
    """The merged JSON of one or more config files; ``get(path)`` resolves references and expressions."""

    def __init__(self, files: List[str]):
        self.files = files
        self.data: Dict[str, Any] = {}
        for f in files:
            try:
                with open(f) as fh:
                    loaded = json.load(fh)
            except (OSError, ValueError) as e:
                raise ConvertError(f'not a readable JSON config: {e}', file=f) from e
            if not isinstance(loaded, dict):
                raise ConvertError('a bundle config must be a JSON object', file=f)
            self.data.update(loaded)
        self._resolving: List[str] = []

    @property
    def where(self) -> str:
        return ', '.join(os.path.basename(f) for f in self.files)

    def has(self, path: str) -> bool:
        try:
            self._raw(path)
            return True
        except KeyError:
            return False

    def _raw(self, path: str) -> Any:
        node: Any = self.data
        for part in path.split('#'):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise KeyError(path)
        return node

    def get(self, path: str, default: Any = KeyError) -> Any:
        try:
            raw = self._raw(path)
        except KeyError:
            if default is KeyError:
                raise ConvertError(f'the bundle config has no "{path.replace("#", " → ")}"', file=self.files[0], key=path) from None
            return default
        return self.resolve(raw, path)

    def resolve(self, value: Any, path: str) -> Any:
        """``value`` (found at ``path``) with references and expressions evaluated, recursively."""
        if isinstance(value, dict):
            return {k: self.resolve(v, f'{path}#{k}') for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v, f'{path}#{i}') for i, v in enumerate(value)]
        if not isinstance(value, str):
            return value
        if value.startswith('%'):
            raise ConvertError(f'refers to another file ({value}); merge that file into the config given to the converter', file=self.files[0], key=path)
        try:
            if value.startswith('@') and _REF.fullmatch(value):
                return self._follow(value[1:], path)
            if value.startswith('$'):
                return self._evaluate(value[1:], path)
        except ConvertError as e:
            # Kept as a value: only an error if the converter uses it (a bundle's device expression is never needed).
            return Unresolved(e)
        return value

    def _follow(self, ref: str, path: str) -> Any:
        if ref in self._resolving:
            raise ConvertError(f'reference cycle through @{ref}', file=self.files[0], key=path)
        self._resolving.append(ref)
        try:
            return need(self.get(ref))
        finally:
            self._resolving.pop()

    def _evaluate(self, expr: str, path: str) -> Any:
        names: Dict[str, str] = {}

        def bind(m: re.Match) -> str:
            name = f'__ref{len(names)}'
            names[name] = m.group(1)
            return name

        source = _REF.sub(bind, expr)
        try:
            tree = ast.parse(source.strip(), mode='eval')
        except SyntaxError as e:
            raise ConvertError(f'expression "${expr}" does not parse: {e.msg}', file=self.files[0], key=path) from e
        return _Eval(lambda n: self._follow(names[n], path), expr, self.files[0], path).visit(tree.body)


class _Eval(ast.NodeVisitor):
    def __init__(self, lookup, expr: str, file: str, path: str):
        self.lookup, self.expr, self.file, self.path = lookup, expr, file, path

    def generic_visit(self, node):
        raise ConvertError(f'expression "${self.expr}" needs Python code the converter does not run ({type(node).__name__}: {ast.unparse(node)}); give the value literally', file=self.file, key=self.path)

    def visit_Constant(self, node):
        return node.value

    def visit_List(self, node):
        return [self.visit(e) for e in node.elts]

    def visit_Tuple(self, node):
        return tuple(self.visit(e) for e in node.elts)

    def visit_Dict(self, node):
        return {self.visit(k): self.visit(v) for k, v in zip(node.keys, node.values)}

    def visit_Name(self, node):
        if node.id.startswith('__ref'):
            return self.lookup(node.id)
        if node.id in ('True', 'False', 'None'):
            return {'True': True, 'False': False, 'None': None}[node.id]
        return self.generic_visit(node)

    def visit_BinOp(self, node):
        op = _BINOPS.get(type(node.op))
        return op(self.visit(node.left), self.visit(node.right)) if op else self.generic_visit(node)

    def visit_UnaryOp(self, node):
        v = self.visit(node.operand)
        if isinstance(node.op, ast.USub):
            return -v
        if isinstance(node.op, ast.UAdd):
            return +v
        if isinstance(node.op, ast.Not):
            return not v
        return self.generic_visit(node)

    def visit_BoolOp(self, node):
        if isinstance(node.op, ast.And):
            result = True
            for v in node.values:
                result = self.visit(v)
                if not result:
                    return result
            return result
        result = False
        for v in node.values:
            result = self.visit(v)
            if result:
                return result
        return result

    def visit_Compare(self, node):
        left = self.visit(node.left)
        for op, right in zip(node.ops, node.comparators):
            fn = _CMPOPS.get(type(op))
            if fn is None:
                return self.generic_visit(node)
            r = self.visit(right)
            if not fn(left, r):
                return False
            left = r
        return True

    def visit_IfExp(self, node):
        return self.visit(node.body) if self.visit(node.test) else self.visit(node.orelse)

    def visit_Subscript(self, node):
        return self.visit(node.value)[self.visit(node.slice)]


def target_name(obj: Any) -> Optional[str]:
    """``"monai.transforms.Spacingd"`` → ``"Spacingd"``; None when ``obj`` builds nothing."""
    if isinstance(obj, dict) and isinstance(obj.get('_target_'), str):
        return obj['_target_'].rsplit('.', 1)[-1]
    return None
