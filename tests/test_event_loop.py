"""No blocking database read on the event loop: read from the source with `ast`, like
tests/test_layout.py, so the rule holds for every later change.

``AppContext.practice`` reads the database (the settings' version, the document when it moved):
a network round trip on PostgreSQL. An ``async def`` gets the settings with
``await context.fetch_practice()`` (a worker thread); the property is for code that already runs
in one (sync route handlers and dependencies, actions, the CLI).

The check follows calls by name: an ``async def`` may neither read ``<…context>.practice`` itself
nor call a sync function of the product that does, however deep (a function of its own module,
or one it imports by name). A function handed to a thread pool (``run_in_threadpool(work)``) is
not called on the loop, and neither is a nested ``def`` or ``lambda`` that is only passed along.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from tests.test_layout import product_modules

Key = tuple[str, str]
"""(module, function name)."""


@dataclass
class _Function:
    key: Key
    is_async: bool
    line: int
    reads: list[int] = field(default_factory=list)
    """Lines where it reads ``<…context>.practice`` on its own thread."""
    calls: list[tuple[Key, int]] = field(default_factory=list)


def _reads_practice(node: ast.AST) -> bool:
    """``<…context>.practice``, or the read behind it, ``<…store>.current()``."""
    if isinstance(node, ast.Call):
        node, wanted, ending = node.func, "current", "store"
    else:
        wanted, ending = "practice", "context"
    if not (isinstance(node, ast.Attribute) and node.attr == wanted):
        return False
    return ast.unparse(node.value).split(".")[-1].lstrip("_").endswith(ending)


def _own_body(function: ast.AST) -> Iterator[ast.AST]:
    """The nodes that run when ``function`` runs: not those of the functions nested in it."""
    for child in ast.iter_child_nodes(function):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            # A decorator or a default runs where the nested function is defined.
            decorators = getattr(child, "decorator_list", [])
            defaults = getattr(getattr(child, "args", None), "defaults", [])
            for node in [*decorators, *defaults]:
                yield node
                yield from _own_body(node)
            continue
        yield child
        yield from _own_body(child)


@dataclass
class _Module:
    tree: ast.Module
    defined: set[str]
    imported: dict[str, Key]
    """``from m import n as a``: a → (m, n)."""
    aliases: dict[str, str]
    """``import m as a``: a → m."""


def _parse(sources: dict[str, str]) -> dict[str, _Module]:
    parsed = {}
    for module, source in sources.items():
        tree = ast.parse(source)
        parsed[module] = _Module(
            tree,
            {
                n.name for n in ast.walk(tree)
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            },
            {
                (alias.asname or alias.name): (node.module, alias.name)
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
                for alias in node.names
            },
            {
                (alias.asname or alias.name): alias.name
                for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names
            },
        )
    return parsed


def _resolve(modules: dict[str, _Module], module: str, name: str, depth: int = 0) -> Key | None:
    """Where ``name``, as seen from ``module``, is defined (through faces' re-exports)."""
    found = modules.get(module)
    if found is None or depth > 5:
        return None
    if name in found.defined:
        return module, name
    if name in found.imported:
        return _resolve(modules, *found.imported[name], depth + 1)
    return None


def _callee(modules: dict[str, _Module], module: str, call: ast.Call) -> Key | None:
    func, here = call.func, modules[module]
    if isinstance(func, ast.Name):
        return _resolve(modules, module, func.id)
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return None
    owner = func.value.id
    if owner in ("self", "cls"):
        return _resolve(modules, module, func.attr)
    if owner in here.aliases:  # ``import agenda`` then ``agenda.sync_agenda(…)``
        return _resolve(modules, here.aliases[owner], func.attr)
    if owner in here.imported:
        source, name = here.imported[owner]
        if f"{source}.{name}" in modules:  # ``from dialogue import catalogue``: a module
            return _resolve(modules, f"{source}.{name}", func.attr)
        # An object (``templates.render``): its method, defined where the object is.
        place = _resolve(modules, source, name) or (source, name)
        return _resolve(modules, place[0], func.attr)
    return None


def _functions(modules: dict[str, _Module]) -> dict[Key, _Function]:
    found: dict[Key, _Function] = {}
    for module, parsed in modules.items():
        for node in ast.walk(parsed.tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            function = _Function(
                (module, node.name), isinstance(node, ast.AsyncFunctionDef), node.lineno)
            for inner in _own_body(node):
                if _reads_practice(inner):
                    function.reads.append(inner.lineno)
                elif isinstance(inner, ast.Call) and (
                    key := _callee(modules, module, inner)) is not None:
                    function.calls.append((key, inner.lineno))
            # Same name twice in a module (methods of two classes): keep what both do.
            if function.key in found:
                kept = found[function.key]
                kept.reads += function.reads
                kept.calls += function.calls
                kept.is_async = kept.is_async and function.is_async
            else:
                found[function.key] = function
    return found


def _blocking(functions: dict[Key, _Function]) -> set[Key]:
    """The sync functions that read the practice from the database, directly or through
    other sync functions."""
    blocking = {k for k, f in functions.items() if not f.is_async and f.reads}
    grown = True
    while grown:
        grown = False
        for key, function in functions.items():
            if function.is_async or key in blocking:
                continue
            if any(callee in blocking for callee, _ in function.calls):
                blocking.add(key)
                grown = True
    return blocking


def _violations(functions: dict[Key, _Function]) -> list[str]:
    blocking = _blocking(functions)
    wrong = []
    for (module, name), function in sorted(functions.items()):
        if not function.is_async:
            continue
        wrong += [f"{module}.{name}:{line} reads context.practice" for line in function.reads]
        wrong += [
            f"{module}.{name}:{line} calls {callee[0]}.{callee[1]}, which reads it"
            for callee, line in function.calls if callee in blocking
        ]
    return wrong


def test_no_async_def_reads_the_practice_on_the_event_loop() -> None:
    sources = {module: path.read_text(encoding="utf-8") for module, path in product_modules()}
    wrong = _violations(_functions(_parse(sources)))
    assert wrong == [], "use `await context.fetch_practice()` in async code:\n" + "\n".join(wrong)


def test_the_check_sees_a_read_through_helpers_and_modules() -> None:
    # The check itself, on made-up modules: it finds what it claims to find, and only that.
    helpers = """
from starlette.concurrency import run_in_threadpool

def helper(context):
    return deeper(context)

def deeper(context):
    return context.practice.tz

class Pages:
    def render(self, request):
        return request.app.state.context.practice_store.current()

pages = Pages()
"""
    handlers = """
import helpers
from helpers import helper, pages

async def through_a_helper(context):
    return helper(context)

async def through_a_module(context):
    return helpers.deeper(context)

async def through_an_object(request):
    return pages.render(request)

async def directly(context):
    return context.practice.name

async def fine(context):
    practice = await context.fetch_practice()
    await run_in_threadpool(helper, context)
    return await run_in_threadpool(lambda: context.practice)
"""
    wrong = _violations(_functions(_parse({"helpers": helpers, "handlers": handlers})))
    assert wrong == [
        "handlers.directly:15 reads context.practice",
        "handlers.through_a_helper:6 calls helpers.helper, which reads it",
        "handlers.through_a_module:9 calls helpers.deeper, which reads it",
        "handlers.through_an_object:12 calls helpers.render, which reads it",
    ]
