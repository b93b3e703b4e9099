"""Output folders: claimed before any work, written in full or not at all, never a user's.

What every command that writes (``run``, ``compare``) does with its folder, in the manner
of careful tools (git, rsync, pip): never delete what score-sim did not write, refuse
before simulating, and say exactly what is wrong.

- **Claim first.** Before the first day is simulated, the folder is claimed with a lock
  file next to it (``.<name>.score-sim-lock``, created atomically), a work folder is made
  beside it and the disk's free space is checked. A place that cannot be written (under a
  file, read-only, a full disk) is refused then, not after a city-scale run. Two runs
  started at once into one folder never both write it: a default folder moves on to
  ``-2``, ``-3``...; an explicit ``--out`` held by a live process is refused.
- **All or nothing.** Outputs are written into the work folder and renamed into place when
  complete, so an interrupted run (Ctrl-C, SIGTERM, SIGHUP) leaves nothing half-written.
  A work folder or lock left by a killed process (SIGKILL, a power cut) is removed by the
  next command that claims a folder in the same place, once its process is gone.
- **Only our own.** ``--overwrite`` replaces a folder only when it holds score-sim's
  manifest and nothing but the files that manifest lists, each byte for byte as written
  (its sha256 in the manifest): a changed or an added file is named in the refusal. The
  current folder, its parents and the home folder are never replaced.
- **The user's umask.** Folders are made with the permissions the user's umask gives
  (a class server shares them), not the private ones of a temporary folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path

from score_sim.errors import ScenarioError, argument

MANIFEST = "manifest.json"
SELF_HASH_KEY = "manifest_sha256"
"""The manifest's own sha256, taken with this value written as 64 zeros."""
_SELF_HASH_ZEROS = "0" * 64


def seal_manifest(text: str) -> str:
    """``text`` (a manifest whose :data:`SELF_HASH_KEY` is 64 zeros) with its own sha256."""
    field = f'"{SELF_HASH_KEY}": "{_SELF_HASH_ZEROS}"'
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return text.replace(field, f'"{SELF_HASH_KEY}": "{digest}"', 1)


def manifest_unchanged(text: str, recorded: str) -> bool:
    """Whether a manifest's ``text`` is byte for byte as sealed with ``recorded``."""
    field = f'"{SELF_HASH_KEY}": "{recorded}"'
    if text.count(field) != 1:
        return False
    unsealed = text.replace(field, f'"{SELF_HASH_KEY}": "{_SELF_HASH_ZEROS}"')
    return hashlib.sha256(unsealed.encode("utf-8")).hexdigest() == recorded


"""The file that marks a folder as score-sim's own, listing every file written with it."""
TOOL = "score-sim"
"""The ``tool`` recorded in every manifest."""
_LOCK_SUFFIX = ".score-sim-lock"
_PARTIAL_MARK = ".partial-"
_OWNER_FILE = ".score-sim-owner"

BYTES_FREE_MIN = 16 * 2**20
"""Free space a run needs besides its estimated outputs (figures, manifest, slack)."""
BYTES_PER_ACTOR_WRITTEN = 400
"""Output bytes per actor: its agents.csv row and a share of events (measured about 250)."""


def _process_start(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot), to tell it from a later one."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _owner() -> dict[str, object]:
    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "start": _process_start(pid)}


def _alive(owner: dict[str, object]) -> bool:
    """Whether the process that wrote ``owner`` may still be running (when in doubt: yes)."""
    if owner.get("host") != socket.gethostname():
        return True
    pid = owner.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    start = owner.get("start")
    return start is None or _process_start(pid) in (None, start)


def _read_owner(path: Path) -> dict[str, object] | None:
    try:
        owner = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return owner if isinstance(owner, dict) else None


def _problem(path: Path, option: str, message: str) -> ScenarioError:
    return ScenarioError.of(str(path), None, None, option, message)


def _os_message(error: OSError) -> str:
    return error.strerror or str(error)


def clean_stale(parent: Path) -> list[Path]:
    """Remove work folders and locks in ``parent`` left by processes that are gone.

    Only entries score-sim itself makes (``.<name>.partial-<hex>`` with an owner file,
    ``.<name>.score-sim-lock``) are looked at, and only those whose process has ended on
    this machine are removed. Returns what was removed.
    """
    removed: list[Path] = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not name.startswith("."):
            continue
        if _PARTIAL_MARK in name and entry.is_dir() and not entry.is_symlink():
            owner = _read_owner(entry / _OWNER_FILE)
            if owner is not None and not _alive(owner):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
        elif name.endswith(_LOCK_SUFFIX) and entry.is_file():
            owner = _read_owner(entry)
            if owner is not None and not _alive(owner):
                with contextlib.suppress(FileNotFoundError):
                    entry.unlink()
                removed.append(entry)
    return removed


def foreign_files(folder: Path) -> list[str] | None:
    """Files in ``folder`` that are not byte for byte what score-sim wrote there.

    Each is named with why: ``notes.txt (added)``, ``summary.json (changed)``, a link, or
    a listed file whose sha256 the manifest does not record; the manifest itself, when its
    own sha256 (:data:`SELF_HASH_KEY`) no longer matches its bytes. None when the folder
    holds no score-sim manifest at all (it is not score-sim's).
    """
    try:
        text = (folder / MANIFEST).read_bytes().decode("utf-8")
        manifest = json.loads(text)
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict):
        return None
    versions = manifest.get("versions")
    if manifest.get("tool") != TOOL and not (
        isinstance(versions, dict) and "score_sim" in versions
    ):
        return None
    listed = manifest.get("files")
    hashes: dict[str, object] = (
        dict(listed)
        if isinstance(listed, dict)
        else dict.fromkeys(listed, None)
        if isinstance(listed, list)
        else {}
    )
    foreign = []
    sealed = manifest.get(SELF_HASH_KEY)
    if isinstance(sealed, str) and not manifest_unchanged(text, sealed):
        foreign.append(f"{MANIFEST} (changed)")
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_symlink():
            foreign.append(f"{relative} (a link score-sim does not make)")
        elif path.is_dir() or relative == MANIFEST:
            continue
        elif relative not in hashes:
            foreign.append(f"{relative} (added)")
        else:
            expected = hashes[relative]
            if not isinstance(expected, str):
                foreign.append(f"{relative} (its sha256 is not in the manifest to check)")
            elif _sha256_of(path) != expected:
                foreign.append(f"{relative} (changed)")
    return foreign


def _sha256_of(path: Path) -> str | None:
    """The sha256 of a file's bytes (None when it cannot be read)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


NAME_BYTES_MAX = 255
"""Longest name of a file or folder on common file systems (ext4, APFS, NTFS), in bytes."""
NAME_BYTES_BESIDE = len(_LOCK_SUFFIX) + len(_PARTIAL_MARK) + 1 + 8 + 8
"""How much longer than a folder's own name the names score-sim writes beside it are."""


def check_name_lengths(target: Path, option: str, beside: bool = True) -> None:
    """Refuse a folder whose name (or a parent's) is too long to write, before any work.

    Args:
        target: the folder.
        option: how the user named it (for messages).
        beside: whether score-sim writes beside the folder under a longer name (a lock and
            a work folder), which leaves its own name less room.

    Raises:
        ScenarioError: naming the folder, the length and the most allowed.
    """
    parts = target.parts
    for i, part in enumerate(parts):
        size = len(os.fsencode(part))
        last = i == len(parts) - 1
        limit = NAME_BYTES_MAX - (NAME_BYTES_BESIDE if last and beside else 0)
        if size > limit:
            which = "its name" if last else f"the folder {part[:20]}... in its path"
            raise _problem(
                target,
                option,
                f"{which} is {size} bytes long; a name may have at most {limit} bytes here "
                f"({NAME_BYTES_MAX} on most file systems"
                + (
                    ", less what score-sim adds to name its work beside it"
                    if last and beside
                    else ""
                )
                + "). Choose a shorter name",
            )


def _refuse_protected(target: Path, option: str) -> None:
    """Refuse to replace the working folder, one of its parents, home or the root."""
    resolved = target.resolve()
    cwd = Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents:
        raise _problem(
            target,
            option,
            "is the current folder or one of its parents; score-sim never replaces it. "
            f"Choose a new folder, e.g. {option} runs/mine",
        )
    home = Path.home().resolve()
    if resolved in (home, Path(resolved.anchor)):
        raise _problem(target, option, "is your home folder or the root; choose a new folder")


@dataclass
class OutputFolder:
    """A claimed output folder: write into :attr:`work`, then :meth:`commit` or :meth:`abandon`.

    Use :func:`claim_output_folder` to make one. As a context manager it abandons the work
    on any exception (KeyboardInterrupt and signals included) and always releases the lock.
    """

    target: Path
    """Where the outputs end up."""
    work: Path
    """The folder to write into; renamed to :attr:`target` by :meth:`commit`."""
    replace: bool
    """Whether :attr:`target` holds an earlier score-sim output that commit replaces."""
    _lock: Path
    _done: bool = field(default=False, repr=False)

    def commit(self) -> Path:
        """Move the finished outputs into place (replacing an earlier score-sim output)."""
        (self.work / _OWNER_FILE).unlink(missing_ok=True)
        old = None
        if self.replace and self.target.exists():
            old = self.target.with_name(f".{self.target.name}.replaced-{secrets.token_hex(4)}")
            self.target.rename(old)
        try:
            # renaming onto an existing empty folder replaces it; onto a non-empty one fails
            self.work.rename(self.target)
        except OSError:
            if old is not None:
                old.rename(self.target)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        self._done = True
        self.release()
        return self.target

    def abandon(self) -> None:
        """Remove the work folder; the target is left as it was."""
        shutil.rmtree(self.work, ignore_errors=True)
        self._done = True
        self.release()

    def release(self) -> None:
        """Give up the claim (the lock file), once."""
        with contextlib.suppress(FileNotFoundError):
            self._lock.unlink()

    def __enter__(self) -> OutputFolder:
        return self

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        if not self._done:
            self.abandon()


def _lock_path(target: Path) -> Path:
    return target.with_name(f".{target.name}{_LOCK_SUFFIX}")


def _try_lock(target: Path, option: str) -> Path | None:
    """Create the lock of ``target`` atomically; None when a live process holds it.

    Raises:
        ScenarioError: the folder holding ``target`` cannot be written.
    """
    lock = _lock_path(target)
    for _ in range(2):
        try:
            descriptor = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            owner = _read_owner(lock)
            if owner is not None and _alive(owner):
                return None
            if owner is None:
                # being written this instant, or not ours: treat as held
                return None
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()
            continue
        except OSError as error:
            raise _problem(
                target, option, f"its folder cannot be written: {_os_message(error)}"
            ) from None
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(_owner(), handle)
        except OSError as error:
            lock.unlink(missing_ok=True)
            raise _problem(
                target, option, f"its folder cannot be written: {_os_message(error)}"
            ) from None
        return lock
    return None


def claim_output_folder(
    out_dir: Path | str | None,
    default: Path,
    *,
    overwrite: bool = False,
    option: str = "out_dir",
    bytes_needed: int = 0,
) -> OutputFolder:
    """Claim the folder a command will write, before it does any work.

    Args:
        out_dir: the folder asked for, or None for a fresh one named after ``default``
            (``default``, ``default-2``, ``default-3``...: never an existing one).
        default: the default folder's path.
        overwrite: allow replacing ``out_dir`` when it holds an earlier score-sim output
            and nothing else.
        option: how the user named the folder (for messages): ``out_dir``, ``--out``.
        bytes_needed: the outputs' estimated size, checked against the free disk space.

    Raises:
        ScenarioError: the folder cannot be used, and why (exit status 2).
    """
    explicit = out_dir is not None
    target = Path(out_dir) if explicit else default
    check_name_lengths(target, option)
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise _problem(target, option, "lies under a file, not a folder") from None
    except NotADirectoryError:
        raise _problem(target, option, "lies under a file, not a folder") from None
    except OSError as error:
        raise _problem(
            target, option, f"its folder cannot be created: {_os_message(error)}"
        ) from None
    if not parent.is_dir():
        raise _problem(target, option, "lies under a file, not a folder")
    clean_stale(parent)

    if explicit:
        _refuse_protected(target, option)
        lock = _try_lock(target, option)
        if lock is None:
            raise _problem(
                target,
                option,
                "another score-sim command is writing this folder right now; wait for it "
                "or choose another folder",
            )
        try:
            replace = _check_target(target, overwrite, option)
        except BaseException:
            lock.unlink(missing_ok=True)
            raise
    else:
        target, lock = _claim_fresh(default, option)
        replace = False

    try:
        work = _make_work(target, option)
    except BaseException:
        lock.unlink(missing_ok=True)
        raise
    claim = OutputFolder(target=target, work=work, replace=replace, _lock=lock)
    try:
        _check_space(claim, bytes_needed, option)
    except BaseException:
        claim.abandon()
        raise
    return claim


def _check_target(target: Path, overwrite: bool, option: str) -> bool:
    """Whether an explicit target exists and may be replaced; refuse it otherwise."""
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise _problem(target, option, "exists and is not a folder")
    if not target.exists():
        return False
    try:
        empty = not any(target.iterdir())
    except OSError as error:
        raise _problem(target, option, f"cannot be read: {_os_message(error)}") from None
    if empty:
        return False
    if not overwrite:
        raise _problem(
            target,
            option,
            f"folder exists and is not empty; choose another folder, or pass "
            f"{argument('overwrite=True')} to replace an earlier score-sim output",
        )
    foreign = foreign_files(target)
    if foreign is None:
        raise _problem(
            target,
            option,
            "is not a score-sim output (it has no score-sim manifest.json); "
            f"{argument('overwrite=True')} replaces only folders that score-sim wrote. "
            "Choose another folder",
        )
    if foreign:
        more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        shown = ", ".join(foreign[:5]) + more
        raise _problem(
            target,
            option,
            f"holds files that are not what score-sim wrote ({shown}); "
            f"{argument('overwrite=True')} would delete them. Move them away or choose "
            "another folder",
        )
    return True


def _claim_fresh(default: Path, option: str) -> tuple[Path, Path]:
    """The first of ``default``, ``default-2``... that exists nowhere and is not claimed."""
    n = 1
    while True:
        candidate = default if n == 1 else default.with_name(f"{default.name}-{n}")
        n += 1
        if candidate.exists() or candidate.is_symlink():
            continue
        lock = _try_lock(candidate, option)
        if lock is None:
            continue
        if candidate.exists():  # finished by another process between the checks
            lock.unlink(missing_ok=True)
            continue
        return candidate, lock


def _make_work(target: Path, option: str) -> Path:
    """A fresh work folder beside ``target``, with the user's umask and an owner file."""
    work = target.with_name(f".{target.name}{_PARTIAL_MARK}{secrets.token_hex(4)}")
    try:
        os.mkdir(work, 0o777)  # the umask applies, unlike tempfile.mkdtemp's 0o700
        (work / _OWNER_FILE).write_text(json.dumps(_owner()), encoding="utf-8")
    except OSError as error:
        shutil.rmtree(work, ignore_errors=True)
        raise _problem(target, option, f"cannot be written: {_os_message(error)}") from None
    return work


def _check_space(claim: OutputFolder, bytes_needed: int, option: str) -> None:
    check_disk_space(claim.work, bytes_needed, option, shown_as=claim.target)


def check_disk_space(
    where: Path, bytes_needed: int, option: str, shown_as: Path | None = None
) -> None:
    """Refuse a place whose disk cannot hold ``bytes_needed`` more (and some slack).

    A file system of no size at all (an empty mount point, a pseudo file system) and one
    too full are refused alike, before any work.

    Args:
        where: an existing folder on the disk to check.
        bytes_needed: what the command will write.
        option: how the user named the place (for messages).
        shown_as: the path to name in the message [default: ``where``].

    Raises:
        ScenarioError: naming the place, what is free and what is needed.
    """
    need = bytes_needed + BYTES_FREE_MIN
    shown = shown_as if shown_as is not None else where
    try:
        usage = shutil.disk_usage(where)
    except OSError:
        return
    if usage.total == 0:
        raise _problem(
            shown,
            option,
            "lies on a file system of no size (an empty mount point, or one that holds no "
            "files): nothing can be written there. Choose a folder on a disk",
        )
    if usage.free < need:
        raise _problem(
            shown,
            option,
            f"the disk holding it has {usage.free / 2**20:,.1f} MiB free; this command needs "
            f"about {need / 2**20:,.0f} MiB. Free some space or choose another disk",
        )


def output_bytes(n_actors: int) -> int:
    """Estimated size of one run's outputs for ``n_actors`` actors."""
    return n_actors * BYTES_PER_ACTOR_WRITTEN
