"""The error codes the API's handlers can answer, read from the source (for test_error_codes).

Read with `ast`, not run: every literal passed to `error_body`, and every literal given as the
`code` of an exception an API module or the API's exception handlers turn into an ErrorOut
(found as `except X` in the routers and `@api.exception_handler(X)`), with its subclasses.
An f-string code contributes its literal prefix followed by `*`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "src" / "campanella"


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(SOURCE.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _literal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value + "*"
    if isinstance(node, ast.BoolOp):  # `exc.code or "giorno_chiuso"`
        return next((_literal(v) for v in node.values if _literal(v)), None)
    return None


# Refusals of an upload that the services pass on with their code inside the error the
# routers catch (comms.materials, comms.notices: `MaterialError(error.message, error.code)`).
PASSED_ON = {"FileRefused"}
# The framework's exceptions have handlers of their own, each with a literal code.
FRAMEWORK = {"ValidationError", "Http404", "HttpError", "AuthenticationError", "IntegrityError"}


def _answered_exceptions(modules: list[tuple[Path, ast.Module]]) -> set[str]:
    names: set[str] = set()
    for path, tree in modules:
        if "api" not in path.name:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                types = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
                names |= {n for n in map(_name, types) if n}
            if isinstance(node, ast.Call) and _name(node.func) == "exception_handler":
                names |= {n for n in map(_name, node.args) if n}
    return (names - FRAMEWORK) | PASSED_ON


def _classes(modules: list[tuple[Path, ast.Module]]) -> dict[str, ast.ClassDef]:
    return {
        node.name: node
        for _path, tree in modules
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }


def _code_position(name: str, classes: dict[str, ast.ClassDef]) -> int | None:
    """Where `code` comes among the positional parameters of the class's __init__."""
    cls = classes.get(name)
    while cls is not None:
        for item in cls.body:
            if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                params = [a.arg for a in item.args.args[1:]]
                return params.index("code") if "code" in params else None
        cls = next((classes[b] for b in map(_name, cls.bases) if b in classes), None)
    return None


def _family(roots: set[str], classes: dict[str, ast.ClassDef]) -> set[str]:
    family = set(roots)
    grew = True
    while grew:
        grew = False
        for name, cls in classes.items():
            if name not in family and any(_name(b) in family for b in cls.bases):
                family.add(name)
                grew = True
    return family


def answered_codes() -> set[str]:
    modules = list(_modules())
    classes = _classes(modules)
    family = _family(_answered_exceptions(modules), classes)
    codes: set[str] = set()
    for _path, tree in modules:
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            if cls.name in family:
                codes |= _class_codes(cls, classes)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            called = _name(node.func)
            if called == "error_body" and node.args:
                code = _literal(node.args[0])
            elif called in family:
                code = _call_code(node, _code_position(called, classes))
            else:
                continue
            if code:
                codes.add(code)
    return codes


def _call_code(call: ast.Call, position: int | None) -> str | None:
    for keyword in call.keywords:
        if keyword.arg == "code":
            return _literal(keyword.value)
    if position is not None and position < len(call.args):
        return _literal(call.args[position])
    return None


def _class_codes(cls: ast.ClassDef, classes: dict[str, ast.ClassDef]) -> set[str]:
    """`code = "…"` in the class body, and the code a subclass passes to its parent."""
    codes: set[str] = set()
    for item in cls.body:
        if isinstance(item, ast.Assign | ast.AnnAssign) and item.value is not None:
            targets = item.targets if isinstance(item, ast.Assign) else [item.target]
            if any(_name(t) == "code" for t in targets) and (code := _literal(item.value)):
                codes.add(code)
    parent = next((_name(b) for b in cls.bases if _name(b) in classes), None)
    for node in ast.walk(cls):
        if (
            isinstance(node, ast.Call)
            and _name(node.func) == "__init__"
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Call)
            and _name(node.func.value.func) == "super"
            and parent is not None
            and (code := _call_code(node, _code_position(parent, classes)))
        ):
            codes.add(code)
    return codes
