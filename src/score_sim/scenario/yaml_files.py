"""Safe YAML loading with source locations.

:func:`read_yaml` reads one scenario file with PyYAML's ``SafeLoader`` only, refuses
anything suspicious (oversized files, multiple documents, alias bombs, non-mapping top
level) with a located :class:`~score_sim.errors.ScenarioError`, and returns the plain
Python data together with a :class:`LocationMap` that later validation steps use to point
errors at the right line and column.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from score_sim.errors import Problem, ScenarioError, format_key

__all__ = [
    "MAX_EXPANDED_NODES",
    "MAX_FILE_BYTES",
    "LocationMap",
    "ValueLoader",
    "check_path_length",
    "check_regular_file",
    "open_regular_file",
    "read_yaml",
]

MAX_FILE_BYTES = 1_000_000
"""Largest scenario file accepted, in bytes."""

MAX_EXPANDED_NODES = 100_000
"""Largest number of YAML nodes a document may have once every alias is expanded."""

_MERGE_TAG = "tag:yaml.org,2002:merge"
_NULL_TAG = "tag:yaml.org,2002:null"


def _pos(mark: Any) -> tuple[int, int]:
    """Convert a 0-based PyYAML mark into a 1-based ``(line, col)`` pair."""
    return mark.line + 1, mark.column + 1


class LocationMap:
    """Maps a key path (str keys and int indices) to a 1-based (line, col) in the YAML file.

    The map walks the composed PyYAML node tree, so aliases resolve to the anchored node
    (positions point at the anchor's definition) and merge keys (``<<``) are followed when
    a key is not present directly.
    """

    def __init__(self, root: Node | None) -> None:
        """Create a map over a composed node tree.

        Args:
            root: Root node of the document, or None for an empty document.
        """
        self._root = root

    def locate(self, loc: tuple[str | int, ...]) -> tuple[int, int]:
        """Find the source position of a key path.

        For a mapping the element is matched against the keys; for a sequence it is the
        item index. If the last element names a mapping key, the position of the key node
        is returned (so "unknown key" and "bad value" errors point at the key's line). If
        an element is not found, the position of the deepest node reached is returned.

        Args:
            loc: Key path such as ``("behaviours", 2, "rate_per_year")``.

        Returns:
            A 1-based ``(line, col)`` pair; ``(1, 1)`` if the document is empty.
        """
        node = self._root
        if node is None:
            return 1, 1
        key_node: Node | None = None
        for element in loc:
            key_node = None
            if isinstance(node, MappingNode):
                pair = _find_key(node, element)
                if pair is None:
                    return _pos(node.start_mark)
                key_node, node = pair
            elif (
                isinstance(node, SequenceNode)
                and isinstance(element, int)
                and not isinstance(element, bool)
                and 0 <= element < len(node.value)
            ):
                node = node.value[element]
            else:
                return _pos(node.start_mark)
        if key_node is not None:
            return _pos(key_node.start_mark)
        return _pos(node.start_mark)


def _key_matches(key_node: Node, element: str | int) -> bool:
    """Tell whether a mapping key node spells the given path element."""
    return isinstance(key_node, ScalarNode) and key_node.value == str(element)


def _find_key(node: MappingNode, element: str | int) -> tuple[Node, Node] | None:
    """Find the ``(key_node, value_node)`` pair for ``element`` in a mapping node.

    Own keys win over merged ones; among duplicates the last wins (as in construction).
    Merge keys are followed, with a visited set guarding against recursive aliases.
    """
    seen: set[int] = set()

    def search(mapping: MappingNode) -> tuple[Node, Node] | None:
        if id(mapping) in seen:
            return None
        seen.add(id(mapping))
        merges: list[Node] = []
        found: tuple[Node, Node] | None = None
        for key_node, value_node in mapping.value:
            if key_node.tag == _MERGE_TAG:
                merges.append(value_node)
            elif _key_matches(key_node, element):
                found = (key_node, value_node)
        if found is not None:
            return found
        # Later merge keys override earlier ones; within a merge list, earlier mappings win.
        for merge_value in reversed(merges):
            sources = merge_value.value if isinstance(merge_value, SequenceNode) else [merge_value]
            for source in sources:
                if isinstance(source, MappingNode):
                    result = search(source)
                    if result is not None:
                        return result
        return None

    return search(node)


class ValueLoader(yaml.SafeLoader):
    """PyYAML's ``SafeLoader``, reading ``1e6`` and ``1e-9`` as numbers.

    YAML 1.1 wants a dot in a float (``1.0e6``) and would read ``1e6`` as text; authors of
    scenarios and ``--set`` values write it the YAML 1.2 (and Python) way.
    """


ValueLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


class _TrackingLoader(ValueLoader):
    """A ``SafeLoader`` that records where each anchored node is referenced by an alias."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.alias_sites: dict[int, list[tuple[str, Any]]] = {}

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            target = self.anchors.get(event.anchor)
            if target is not None:
                self.alias_sites.setdefault(id(target), []).append((event.anchor, event.start_mark))
        return super().compose_node(parent, index)


def _children(node: Node) -> list[Node]:
    """Return the direct child nodes (keys and values for mappings)."""
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [child for pair in node.value for child in pair]
    return []


def _check_expansion(file: str, root: Node, loader: _TrackingLoader) -> None:
    """Refuse documents whose alias-expanded size exceeds :data:`MAX_EXPANDED_NODES`.

    Sizes are memoised per distinct node, so the work is linear in the composed tree even
    though the expanded size counts every node once per path that reaches it. The walk is
    iterative and stops at the first node that is too big, or at a recursive alias.

    Raises:
        ScenarioError: If the document is too big once expanded, or is recursive.
    """
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        node_id = id(node)
        if children_done:
            in_progress.discard(node_id)
            children = _children(node)
            size = 1 + sum(sizes[id(child)] for child in children)
            sizes[node_id] = size
            if size > MAX_EXPANDED_NODES:
                raise ScenarioError([_too_big_problem(file, node, children, sizes, loader)])
            continue
        if node_id in sizes:
            continue
        if node_id in in_progress:
            anchor, mark = _alias_site_within(loader, node, None)
            line, col = _pos(mark) if mark is not None else _pos(node.start_mark)
            name = f" '*{anchor}'" if anchor else ""
            raise ScenarioError.of(
                file,
                line,
                col,
                "",
                f"recursive alias{name}: an anchored node refers to itself, "
                "so it would expand forever",
            )
        in_progress.add(node_id)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))


def _check_duplicate_keys(file: str, root: Node) -> None:
    """Refuse a mapping that names the same key twice (PyYAML would keep the last silently).

    Raises:
        ScenarioError: one problem per repeated key, at the repeat, with its key path.
    """
    problems: list[Problem] = []
    seen_nodes: set[int] = set()
    stack: list[tuple[Node, tuple[str | int, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, MappingNode):
            first_line: dict[str, int] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode) and key_node.value != "<<":
                    key = key_node.value
                    if key in first_line:
                        line, col = _pos(key_node.start_mark)
                        problems.append(
                            Problem(
                                file,
                                line,
                                col,
                                format_key((*path, key)),
                                f"duplicate key (first given on line {first_line[key]})",
                            )
                        )
                    else:
                        first_line[key] = _pos(key_node.start_mark)[0]
                    stack.append((value_node, (*path, key)))
                else:
                    stack.append((value_node, path))
        elif isinstance(node, SequenceNode):
            stack.extend((item, (*path, i)) for i, item in enumerate(node.value))
    if problems:
        problems.sort(key=lambda p: (p.line or 0, p.col or 0))
        raise ScenarioError(problems)


def _alias_site_within(
    loader: _TrackingLoader, target: Node, container: Node | None
) -> tuple[str | None, Any]:
    """Pick an alias that refers to ``target``, preferably one inside ``container``."""
    sites = loader.alias_sites.get(id(target), [])
    if not sites:
        return None, None
    if container is not None and container.end_mark is not None:
        start, end = container.start_mark.index, container.end_mark.index
        for anchor, mark in sites:
            if start <= mark.index < end:
                return anchor, mark
    return sites[0]


def _too_big_problem(
    file: str,
    node: Node,
    children: list[Node],
    sizes: dict[int, int],
    loader: _TrackingLoader,
) -> Problem:
    """Build the problem reported for a node whose expanded size is over the limit."""
    aliased = [child for child in children if id(child) in loader.alias_sites]
    if aliased:
        culprit = max(aliased, key=lambda child: sizes[id(child)])
        anchor, mark = _alias_site_within(loader, culprit, node)
        line, col = _pos(mark)
        anchor_line = culprit.start_mark.line + 1
        return Problem(
            file,
            line,
            col,
            "",
            f"document too large after alias expansion: more than {MAX_EXPANDED_NODES} "
            f"nodes (alias '*{anchor}' of anchor '&{anchor}' defined at line {anchor_line} "
            "is expanded too many times; this looks like an alias bomb)",
        )
    line, col = _pos(node.start_mark)
    suffix = " after alias expansion" if loader.alias_sites else ""
    return Problem(
        file,
        line,
        col,
        "",
        f"document too large: more than {MAX_EXPANDED_NODES} YAML nodes{suffix}",
    )


def _line_col_of_offset(text: str, offset: int) -> tuple[int, int]:
    """Return the 1-based (line, col) of a character offset in ``text``."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def _yaml_error_problem(file: str, text: str, exc: yaml.YAMLError) -> Problem:
    """Turn a PyYAML exception into a located problem."""
    if isinstance(exc, yaml.reader.ReaderError):
        line, col = _line_col_of_offset(text, exc.position)
        char = exc.character
        code = ord(char) if isinstance(char, str) else int(char)
        return Problem(
            file, line, col, "", f"invalid character U+{code:04X} (control characters not allowed)"
        )
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        parts: list[str] = []
        if exc.problem:
            parts.append(exc.problem)
        if exc.context:
            context = exc.context
            if exc.context_mark is not None and exc.context_mark is not mark:
                cline, ccol = _pos(exc.context_mark)
                context += f" at line {cline}, column {ccol}"
            parts.append(f"({context})" if parts else context)
        label = (
            "unsupported YAML content"
            if isinstance(exc, yaml.constructor.ConstructorError)
            else "YAML syntax error"
        )
        message = f"{label}: " + (" ".join(parts) if parts else "invalid YAML")
        if mark is not None:
            line, col = _pos(mark)
            return Problem(file, line, col, "", message)
        return Problem(file, None, None, "", message)
    return Problem(file, None, None, "", f"YAML error: {exc}")


NAME_BYTES_MAX = 255
"""Longest name of one file or folder on common file systems, in bytes."""
PATH_BYTES_MAX = 4096
"""Longest path the operating system opens, in bytes."""


def check_path_length(name: str | Path) -> None:
    """Refuse a path that no file system could hold, before asking the system about it.

    Raises:
        ScenarioError: naming the path (cut short) and the length of its longest part.
    """
    text = str(name)
    encoded = os.fsencode(text)
    longest = max((len(os.fsencode(part)) for part in Path(text).parts), default=0)
    if longest > NAME_BYTES_MAX or len(encoded) > PATH_BYTES_MAX:
        shown = text if len(text) <= 80 else text[:60] + "..." + text[-12:]
        raise ScenarioError.of(
            shown,
            None,
            None,
            "",
            f"file name too long ({longest} bytes in one part, {len(encoded)} in all; file "
            f"systems take {NAME_BYTES_MAX} and {PATH_BYTES_MAX})",
        )


def check_regular_file(path: Path, fail: Callable[[str], ScenarioError]) -> None:
    """Refuse, before opening it, a path that is not a regular file (a FIFO would block).

    Raises:
        ScenarioError: from ``fail`` with what the path is instead.
    """
    kind = _file_kind(path.stat().st_mode)
    if kind is not None:
        raise fail(f"is {kind}, not a regular file")


def _file_kind(mode: int) -> str | None:
    """What a file that is not a regular one is, in words (None: a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_regular_file(path: Path, fail: Callable[[str], ScenarioError]) -> BinaryIO:
    """Open a regular file for reading without blocking on whatever replaced it since.

    Raises:
        ScenarioError: from ``fail`` when what was opened is not a regular file.
    """
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        kind = _file_kind(os.fstat(descriptor).st_mode)
        if kind is not None:
            raise fail(f"is {kind}, not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def _read_text(path: Path, file: str) -> str:
    """Read a file as UTF-8 text, enforcing :data:`MAX_FILE_BYTES`.

    Raises:
        ScenarioError: If the file is missing, a directory, unreadable, too big or not UTF-8.
    """

    def fail(message: str, line: int | None = None, col: int | None = None) -> ScenarioError:
        return ScenarioError.of(file, line, col, "", message)

    try:
        if path.is_dir():
            raise fail("is a directory, not a file")
        if not path.exists():
            raise fail("file not found")
        check_regular_file(path, fail)
        if path.stat().st_size > MAX_FILE_BYTES:
            raise fail(f"file is too large (limit is {MAX_FILE_BYTES} bytes)")
        with open_regular_file(path, fail) as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except ScenarioError:
        raise
    except PermissionError:
        raise fail("cannot read file: permission denied") from None
    except OSError as exc:
        raise fail(f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise fail(f"file is too large (limit is {MAX_FILE_BYTES} bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise fail("file is not valid UTF-8 text", line, col) from None


def _kind(node: Node) -> str:
    """Describe a node's kind for error messages."""
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a mapping"
    return "a single value"


def read_yaml(path: str | Path, text: str | None = None) -> tuple[Any, LocationMap]:
    """Read a YAML file safely and return the plain data plus a :class:`LocationMap`.

    Only PyYAML's ``SafeLoader`` machinery is used (YAML 1.1 rules, so ``yes``/``no``/
    ``on``/``off`` are booleans). Before any Python objects are constructed, the expanded
    size of the node tree is checked so alias bombs are refused cheaply.

    Args:
        path: Path of the file; also used (as given) in error messages.
        text: If given, parse this text instead of reading ``path``.

    Returns:
        The constructed document (a dict) and a location map over its node tree.

    Raises:
        ScenarioError: For a missing, unreadable, oversized or non-UTF-8 file, a YAML
            syntax error, an empty document, more than one document, a top level that is
            not a mapping, or a document that is too large once aliases are expanded.
    """
    file = str(path)
    if text is None:
        text = _read_text(Path(path), file)
    elif len(text.encode("utf-8", errors="surrogatepass")) > MAX_FILE_BYTES:
        raise ScenarioError.of(
            file, None, None, "", f"file is too large (limit is {MAX_FILE_BYTES} bytes)"
        )

    try:
        loader = _TrackingLoader(text)  # checks for unprintable characters up front
    except yaml.YAMLError as exc:
        raise ScenarioError([_yaml_error_problem(file, text, exc)]) from None
    try:
        try:
            loader.get_event()  # STREAM-START
            root: Node | None = None
            if not loader.check_event(yaml.StreamEndEvent):
                root = loader.compose_document()
            if not loader.check_event(yaml.StreamEndEvent):
                line, col = _pos(loader.peek_event().start_mark)
                raise ScenarioError.of(
                    file,
                    line,
                    col,
                    "",
                    "more than one YAML document in the file; only one is allowed",
                )
        except yaml.YAMLError as exc:
            raise ScenarioError([_yaml_error_problem(file, text, exc)]) from None
        except RecursionError:
            raise ScenarioError.of(
                file, None, None, "", "YAML structure is nested too deeply"
            ) from None

        if root is None or (
            isinstance(root, ScalarNode) and root.tag == _NULL_TAG and root.value in ("", "~")
        ):
            line, col = _pos(root.start_mark) if root is not None else (None, None)
            raise ScenarioError.of(file, line, col, "", "the file has no content")
        if not isinstance(root, MappingNode):
            line, col = _pos(root.start_mark)
            raise ScenarioError.of(
                file,
                line,
                col,
                "",
                f"the top level must be a mapping of keys to values, not {_kind(root)}",
            )

        _check_expansion(file, root, loader)
        _check_duplicate_keys(file, root)

        try:
            data = loader.construct_document(root)
        except yaml.YAMLError as exc:
            raise ScenarioError([_yaml_error_problem(file, text, exc)]) from None
        except RecursionError:
            raise ScenarioError.of(
                file, None, None, "", "YAML structure is nested too deeply"
            ) from None
    finally:
        loader.dispose()
    return data, LocationMap(root)
