"""What the determinism sandbox forbids: temporalio's ``SandboxRestrictions``, names and defaults.

The data is temporalio 1.35's, so a restriction set written for temporalio
(``SandboxRestrictions.default.with_passthrough_modules("pkg")``, a matcher with a member
unrestricted) means the same here. How it is enforced differs: see ``durable._sandbox.guards``.
"""

from __future__ import annotations

import dataclasses
import inspect
import random
import sys
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from enum import Flag, auto
from typing import Any, ClassVar

from durable._replay.nondeterminism import NondeterminismError
from durable.exceptions import TemporalError

__all__ = [
    "RestrictedWorkflowAccessError",
    "SandboxImportNotificationPolicy",
    "SandboxMatcher",
    "SandboxRestrictions",
    "UnintentionalPassthroughError",
]


class SandboxImportNotificationPolicy(Flag):
    """What happens when a module is imported into the sandbox after the workflow loaded.

    Accepted for temporalio compatibility: durable does not re-import workflow modules, so
    there is no import to notify about.
    """

    SILENT = auto()
    WARN_ON_DYNAMIC_IMPORT = auto()
    WARN_ON_UNINTENTIONAL_PASSTHROUGH = auto()
    RAISE_ON_UNINTENTIONAL_PASSTHROUGH = auto()


class RestrictedWorkflowAccessError(NondeterminismError):
    """Workflow code called something that is not deterministic (the wall clock, I/O, ...).

    It fails the workflow task, which is retried, as in temporalio: fix the code (use
    ``workflow.now()``, ``workflow.random()``, an activity) or, where the call is known to
    be harmless, wrap it in ``workflow.unsafe.sandbox_unrestricted()``.

    Attributes:
        qualified_name: Fully qualified name of what was accessed.
    """

    def __init__(self, qualified_name: str, *, override_message: str | None = None) -> None:
        """Create restricted workflow access error."""
        super().__init__(override_message or RestrictedWorkflowAccessError.default_message(qualified_name))
        self.qualified_name = qualified_name

    @staticmethod
    def default_message(qualified_name: str) -> str:
        """Get default message for restricted access (temporalio's words)."""
        return (
            f"Cannot access {qualified_name} from inside a workflow. "
            "If this is code from a module not used in a workflow or known to "
            "only be used deterministically from a workflow, mark the import "
            "as pass through."
        )


class UnintentionalPassthroughError(TemporalError):
    """A module was passed through to the sandbox without being marked (temporalio's error).

    Never raised here: durable's sandbox does not re-import modules.
    """

    def __init__(self, qualified_name: str) -> None:
        """Create an unintentional passthrough error."""
        super().__init__(f"Module {qualified_name} was not intentionally passed through to the sandbox.")


class RestrictionContext:
    """Whether restrictions apply as at run time or at import time (temporalio's).

    Attributes:
        is_runtime: True while the workflow runs, False while its module is imported.
    """

    def __init__(self) -> None:
        """Create a restriction context."""
        self.is_runtime = False
        self.in_activation = False


@dataclass(frozen=True)
class SandboxMatcher:
    """A tree of module members to restrict (temporalio's matcher, same fields and meaning).

    ``use`` names are restricted when called; ``children`` descend into members;
    ``match_self`` restricts the whole member; ``leaf_message`` / ``leaf_warning`` replace
    the error with another message or with a warning.
    """

    access: AbstractSet[str] = frozenset()
    use: AbstractSet[str] = frozenset()
    children: Mapping[str, SandboxMatcher] = dataclasses.field(default_factory=dict)
    match_self: bool = False
    only_runtime: bool = False
    leaf_message: str | None = None
    leaf_warning: type[Warning] | None = None
    exclude: AbstractSet[str] = frozenset()

    all: ClassVar[SandboxMatcher]
    all_runtime: ClassVar[SandboxMatcher]
    none: ClassVar[SandboxMatcher]
    all_uses: ClassVar[SandboxMatcher]
    all_uses_runtime: ClassVar[SandboxMatcher]

    def __post_init__(self) -> None:
        """Post initialization validations."""
        if self.leaf_message and not self.match_self:
            raise ValueError("Cannot set leaf_message without match_self")
        if self.leaf_warning and not self.match_self:
            raise ValueError("Cannot set leaf_warning without match_self")

    @classmethod
    def nested_child(cls, path: Sequence[str], child: SandboxMatcher) -> SandboxMatcher:
        """Create a matcher where the given child is put at the given path."""
        ret = child
        for key in reversed(path):
            ret = cls(children={key: ret})
        return ret

    def access_matcher(
        self, context: RestrictionContext, *child_path: str, include_use: bool = False
    ) -> SandboxMatcher | None:
        """The matcher that restricts accessing ``child_path``, if one does (temporalio's rule)."""
        matcher = self
        for v in child_path:
            if v in matcher.exclude or (not context.is_runtime and matcher.only_runtime):
                return None
            if matcher.match_self or v in matcher.access or "*" in matcher.access:
                return matcher
            if include_use and (v in matcher.use or "*" in matcher.use):
                return matcher
            child = matcher.children.get(v) or matcher.children.get("*")
            if not child:
                return None
            matcher = child
        if (not context.is_runtime and matcher.only_runtime) or not matcher.match_self:
            return None
        return matcher

    def match_access(self, context: RestrictionContext, *child_path: str, include_use: bool = False) -> bool:
        """Whether accessing ``child_path`` is restricted."""
        return self.access_matcher(context, *child_path, include_use=include_use) is not None

    def child_matcher(self, *child_path: str) -> SandboxMatcher | None:
        """The matcher for a member's own members, if it has restrictions."""
        matcher: SandboxMatcher | None = self
        only_runtime = self.only_runtime
        for v in child_path:
            assert matcher is not None
            if v in matcher.exclude:
                return None
            if matcher.match_self or {v, "*"} & (set(matcher.access) | set(matcher.use)):
                return SandboxMatcher.all_runtime if only_runtime else SandboxMatcher.all
            matcher = matcher.children.get(v) or matcher.children.get("*")
            if not matcher:
                return None
            only_runtime = only_runtime or matcher.only_runtime
        return matcher

    def __or__(self, other: SandboxMatcher) -> SandboxMatcher:
        """Combine this matcher with another."""
        if self.only_runtime != other.only_runtime:
            raise ValueError("Cannot combine only-runtime and non-only-runtime")
        if self.leaf_message != other.leaf_message:
            raise ValueError("Cannot combine different messages")
        if self.leaf_warning != other.leaf_warning:
            raise ValueError("Cannot combine different warning values")
        if self.match_self or other.match_self:
            return SandboxMatcher.all
        children = dict(self.children)
        for k, v in other.children.items():
            children[k] = children[k] | v if k in children else v
        return SandboxMatcher(
            access=self.access | other.access,
            use=self.use | other.use,
            children=children,
            only_runtime=self.only_runtime,
            leaf_message=self.leaf_message,
            leaf_warning=self.leaf_warning,
        )

    def with_child_unrestricted(self, *child_path: str) -> SandboxMatcher:
        """A copy of this matcher with the member at ``child_path`` no longer restricted."""
        assert child_path
        replace: dict[str, Any] = {}
        head = child_path[0]
        if len(child_path) == 1:
            if head in self.access:
                replace["access"] = set(self.access) - {head}
            if head in self.use:
                replace["use"] = set(self.use) - {head}
            if head in self.children:
                replace["children"] = {k: v for k, v in self.children.items() if k != head}
        elif head in self.children:
            replace["children"] = {**self.children, head: self.children[head].with_child_unrestricted(*child_path[1:])}
        return dataclasses.replace(self, **replace) if replace else self


SandboxMatcher.all = SandboxMatcher(match_self=True)
SandboxMatcher.all_runtime = SandboxMatcher(match_self=True, only_runtime=True)
SandboxMatcher.none = SandboxMatcher()
SandboxMatcher.all_uses = SandboxMatcher(use={"*"})
SandboxMatcher.all_uses_runtime = SandboxMatcher(use={"*"}, only_runtime=True)


@dataclass(frozen=True)
class SandboxRestrictions:
    """Set of restrictions that can be applied to a sandbox (temporalio's fields)."""

    passthrough_modules: set[str]
    """Modules (and their children) whose code runs unrestricted even when workflow code calls it."""

    invalid_modules: SandboxMatcher
    """Modules which cannot even be imported. Accepted; not enforced here (no re-import)."""

    invalid_module_members: SandboxMatcher
    """Module members workflow code may not call."""

    import_notification_policy: SandboxImportNotificationPolicy = SandboxImportNotificationPolicy.WARN_ON_DYNAMIC_IMPORT
    """Accepted for compatibility (durable does not re-import modules)."""

    passthrough_all_modules: bool = False
    """Every module passes through: only the workflow's own module is restricted."""

    disable_lazy_sys_module_passthrough: bool = False
    """Accepted for compatibility (durable does not re-import modules)."""

    passthrough_modules_minimum: ClassVar[set[str]]
    passthrough_modules_with_temporal: ClassVar[set[str]]
    passthrough_modules_maximum: ClassVar[set[str]]
    passthrough_modules_default: ClassVar[set[str]]
    invalid_module_members_default: ClassVar[SandboxMatcher]
    default: ClassVar[SandboxRestrictions]

    def with_passthrough_modules(self, *modules: str) -> SandboxRestrictions:
        """A copy with the given modules added to :attr:`passthrough_modules`."""
        return dataclasses.replace(self, passthrough_modules=self.passthrough_modules | set(modules))

    def with_passthrough_all_modules(self) -> SandboxRestrictions:
        """A copy with :attr:`passthrough_all_modules` true."""
        return dataclasses.replace(self, passthrough_all_modules=True)

    def with_import_notification_policy(self, policy: SandboxImportNotificationPolicy) -> SandboxRestrictions:
        """A copy with the given :attr:`import_notification_policy`."""
        return dataclasses.replace(self, import_notification_policy=policy)


SandboxRestrictions.passthrough_modules_minimum = {
    "grpc",
    "pathlib",
    "importlib",
    "importlib_metadata",
    "platform",
    "zipfile",
    "typing",
    "typing_extensions",
    "google.protobuf",
    "temporalio.api",
    "temporalio.bridge.proto",
    "temporalio.bridge.temporal_sdk_bridge",
}

SandboxRestrictions.passthrough_modules_with_temporal = SandboxRestrictions.passthrough_modules_minimum | {
    "asyncio",
    "abc",
    "nexusrpc",
    "temporalio",
    "pkg_resources",
    "pydantic",
    "pydantic_core",
    "annotated_types",
}

SandboxRestrictions.passthrough_modules_maximum = SandboxRestrictions.passthrough_modules_with_temporal | {
    v for v in sys.stdlib_module_names if v != "sys"
}

SandboxRestrictions.passthrough_modules_default = SandboxRestrictions.passthrough_modules_maximum


def _public_callables(parent: Any, *, exclude: set[str] = set()) -> set[str]:  # noqa: B006 - read only
    return {
        name
        for name, member in inspect.getmembers(parent)
        if not name.startswith("_") and name not in exclude and callable(member) and not inspect.isclass(member)
    }


_PATH_METHODS = {
    "chmod", "cwd", "exists", "expanduser", "glob", "group", "hardlink_to", "home", "is_block_device",
    "is_char_device", "is_dir", "is_fifo", "is_file", "is_mount", "is_socket", "is_symlink", "iterdir",
    "lchmod", "link_to", "lstat", "mkdir", "open", "owner", "read_bytes", "read_link", "read_text", "rename",
    "replace", "resolve", "rglob", "rmdir", "samefile", "stat", "symlink_to", "touch", "unlink",
    "write_bytes", "write_text",
}  # fmt: skip

SandboxRestrictions.invalid_module_members_default = SandboxMatcher(
    children={
        "__builtins__": SandboxMatcher(
            children={
                "breakpoint": SandboxMatcher(
                    match_self=True,
                    only_runtime=True,
                    leaf_message=(
                        "breakpoint() inside workflow code requires debug_mode=True on the Worker (or the "
                        "TEMPORAL_DEBUG environment variable). Without it, the call cannot reach the debugger."
                    ),
                ),
            },
            use={"input", "open"},
            only_runtime=True,
        ),
        "asyncio": SandboxMatcher(
            children={
                "as_completed": SandboxMatcher(
                    children={
                        "__call__": SandboxMatcher(
                            match_self=True,
                            leaf_warning=UserWarning,
                            leaf_message=(
                                "asyncio.as_completed() is non-deterministic, use workflow.as_completed() instead"
                            ),
                        )
                    },
                ),
                "wait": SandboxMatcher(
                    children={
                        "__call__": SandboxMatcher(
                            match_self=True,
                            leaf_warning=UserWarning,
                            leaf_message="asyncio.wait() is non-deterministic, use workflow.wait() instead",
                        )
                    },
                ),
            }
        ),
        "bz2": SandboxMatcher(use={"open"}),
        "concurrent": SandboxMatcher(children={"futures": SandboxMatcher.all_uses_runtime}),
        "curses": SandboxMatcher.all_uses,
        "datetime": SandboxMatcher(
            children={
                "date": SandboxMatcher(use={"today"}),
                "datetime": SandboxMatcher(use={"now", "today", "utcnow"}),
            }
        ),
        "dbm": SandboxMatcher.all_uses,
        "filecmp": SandboxMatcher.all_uses,
        "fileinput": SandboxMatcher.all_uses,
        "ftplib": SandboxMatcher.all_uses,
        "getopt": SandboxMatcher.all_uses,
        "getpass": SandboxMatcher.all_uses,
        "gettext": SandboxMatcher.all_uses,
        "glob": SandboxMatcher.all_uses,
        "gzip": SandboxMatcher(use={"open"}),
        "http": SandboxMatcher(children={"client": SandboxMatcher.all_uses, "server": SandboxMatcher.all_uses}),
        "imaplib": SandboxMatcher.all_uses,
        "locale": SandboxMatcher.all_uses,
        "lzma": SandboxMatcher(use={"open"}),
        "marshal": SandboxMatcher(use={"dump", "load"}),
        "mmap": SandboxMatcher.all_uses_runtime,
        "multiprocessing": SandboxMatcher.all_uses_runtime,
        "os": SandboxMatcher(
            children={"path": SandboxMatcher.none if sys.version_info >= (3, 14) else SandboxMatcher.all},
            access={"name"},
            use={"*"},
            exclude={"stat", "path"} if sys.version_info >= (3, 14) else {"stat"},
            only_runtime=True,
        ),
        "pathlib": SandboxMatcher(children={"Path": SandboxMatcher(use=_PATH_METHODS)}),
        "platform": SandboxMatcher.all_uses_runtime,
        "poplib": SandboxMatcher.all_uses,
        "random": SandboxMatcher(use=_public_callables(random, exclude={"Random", "SecureRandom"})),
        "readline": SandboxMatcher.all_uses,
        "sched": SandboxMatcher.all_uses,
        "secrets": SandboxMatcher(
            use={"choice", "randbelow", "randbits", "SystemRandom", "token_bytes", "token_hex", "token_urlsafe"}
        ),
        "select": SandboxMatcher.all_uses_runtime,
        "selectors": SandboxMatcher.all_uses_runtime,
        "shelve": SandboxMatcher.all_uses,
        "shutil": SandboxMatcher.all_uses,
        "signal": SandboxMatcher.all_uses_runtime,
        "smtplib": SandboxMatcher.all_uses,
        "socket": SandboxMatcher.all_uses_runtime,
        "socketserver": SandboxMatcher.all_uses,
        "subprocess": SandboxMatcher.all_uses,
        "time": SandboxMatcher(
            use={
                "pthread_getcpuclockid",
                "get_clock_info",
                "localtime",
                "monotonic",
                "monotonic_ns",
                "perf_counter",
                "perf_counter_ns",
                "process_time",
                "process_time_ns",
                "sleep",
                "time",
                "time_ns",
                "thread_time",
                "thread_time_ns",
                "tzset",
            },  # fmt: skip
            only_runtime=True,
        ),
        "tarfile": SandboxMatcher(use={"open"}, children={"TarFile": SandboxMatcher(use={"extract", "extractall"})}),
        "tempfile": SandboxMatcher.all_uses,
        "threading": SandboxMatcher.all_uses_runtime,
        "urllib": SandboxMatcher(children={"request": SandboxMatcher.all_uses}),
        "uuid": SandboxMatcher(use={"uuid1", "uuid4", "uuid7"}, only_runtime=True),
        "webbrowser": SandboxMatcher.all_uses,
        "xmlrpc": SandboxMatcher.all_uses,
        "zipfile": SandboxMatcher(children={"ZipFile": SandboxMatcher(use={"extract", "extractall"})}),
        "zoneinfo": SandboxMatcher(
            children={"ZoneInfo": SandboxMatcher(use={"clear_cache", "from_file", "reset_tzpath"})}
        ),
    }
)

SandboxRestrictions.default = SandboxRestrictions(
    passthrough_modules=SandboxRestrictions.passthrough_modules_default,
    invalid_modules=SandboxMatcher.none,
    invalid_module_members=SandboxRestrictions.invalid_module_members_default,
)
