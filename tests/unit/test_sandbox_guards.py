"""The sandbox's guards change nothing for code outside workflow activations.

They replace standard library members for the whole process, so what the standard
library and other libraries rely on must hold once they are in place: identities compared
with ``is``, ``os.supports_*`` membership, mixin constructors, pickling, signatures.
"""

from __future__ import annotations

import inspect
import logging
import os
import pickle
import signal
import socketserver
import sys
import threading
import time
from datetime import date, datetime

import pytest

from durable import workflow
from durable._sandbox import state
from durable._sandbox.restrictions import RestrictionContext
from durable._sandbox.runner import SandboxedWorkflowRunner
from durable.worker.workflow_sandbox import RestrictedWorkflowAccessError, SandboxRestrictions


class _Workflow:
    """Stands for a workflow class of this module: its code is workflow code."""


@pytest.fixture(scope="module")
def sandbox():
    return SandboxedWorkflowRunner().sandbox(_Workflow)  # installs the guards


def test_the_guards_are_in_place_and_keep_names_signatures_and_pickling(sandbox):
    assert time.time.__wrapped__ is not time.time
    assert time.sleep.__name__ == "sleep" and str(inspect.signature(os.getenv)) == "(key, default=None)"
    assert pickle.loads(pickle.dumps(time.monotonic)) is time.monotonic
    assert datetime.now().year >= 2024 and date.today().year >= 2024


def test_identities_the_standard_library_compares_are_kept(sandbox):
    assert not hasattr(signal.default_int_handler, "__wrapped__")  # asyncio compares it with `is`
    assert hasattr(os.chmod, "__wrapped__")
    for supported in (os.supports_dir_fd, os.supports_fd, os.supports_follow_symlinks):
        for fn in (os.chmod, os.stat, os.open, os.unlink, os.utime, os.listdir):
            original = getattr(fn, "__wrapped__", fn)
            assert (fn in supported) == (original in supported)  # shutil asks `os.chmod in ...`


def test_a_guarded_builtin_kept_as_a_class_attribute_is_called_without_the_instance(sandbox):
    # werkzeug's routing Map has `lock_class = threading.Lock` and calls `self.lock_class()`:
    # the builtin does not bind, so neither may its guard (moto's server builds such a Map).
    class Map:
        lock_class = threading.Lock
        clock = time.monotonic

    assert hasattr(threading.Lock, "__wrapped__") and hasattr(time.monotonic, "__wrapped__")
    routing = Map()
    lock = routing.lock_class()
    assert lock.acquire(blocking=False) and lock.locked()
    assert routing.clock() <= time.monotonic()
    assert Map.__dict__["clock"] is time.monotonic  # still the guard: the rule holds in workflows


def test_a_guarded_builtin_called_through_an_instance_is_still_refused_in_workflow_code(sandbox):
    class Holder:
        clock = time.time

    previous = state.enter(sandbox)
    try:
        with pytest.raises(RestrictedWorkflowAccessError) as refused:
            Holder().clock()
        assert refused.value.qualified_name == "time.time.__call__"
    finally:
        state.leave(previous)


def test_a_mixin_class_still_runs_every_constructor_in_its_mro(sandbox):
    class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
        allow_reuse_address = True

    server = Server(("127.0.0.1", 0), socketserver.BaseRequestHandler)
    try:
        assert server.server_address[1] > 0
    finally:
        server.server_close()


def test_calls_from_this_module_are_refused_only_inside_an_activation(sandbox):
    assert time.time() > 0
    previous = state.enter(sandbox)
    try:
        with pytest.raises(RestrictedWorkflowAccessError) as refused:
            time.time()
        assert refused.value.qualified_name == "time.time.__call__"
        with pytest.raises(RestrictedWorkflowAccessError):
            threading.Thread(target=print)
        with workflow.unsafe.sandbox_unrestricted():
            assert time.time() > 0
        record = logging.makeLogRecord({"msg": "m"})  # logging reads the guarded clock, pid, thread
        assert record.created > 0 and record.process == os.getpid.__wrapped__()
    finally:
        state.leave(previous)
    assert threading.Thread(target=print).name


def test_imports_passed_through_marks_the_modules_imported_in_the_block():
    name = "tests.unit._sandbox_passed_module_probe"
    sys.modules.pop(name, None)
    assert not workflow.unsafe.is_imports_passed_through()
    with workflow.unsafe.imports_passed_through():
        assert workflow.unsafe.is_imports_passed_through()
        import json  # noqa: F401 - already imported: recorded by name all the same

        from tests.compat import sandbox_passed_through  # noqa: F401
    assert not workflow.unsafe.is_imports_passed_through()
    assert {"json", "tests.compat.sandbox_passed_through"} <= state.passed_through


def test_a_package_imported_on_the_way_is_not_passed_through(tmp_path, monkeypatch):
    # Passing `pkg` itself would pass every module under it by prefix, the workflow's
    # helper modules included; only the module the block imports is passed.
    package = tmp_path / "sandbox_probe_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "activities.py").write_text("def act():\n    return 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with workflow.unsafe.imports_passed_through():
        from sandbox_probe_pkg.activities import act  # noqa: F401
    assert "sandbox_probe_pkg.activities" in state.passed_through
    assert "sandbox_probe_pkg" not in state.passed_through
    for name in ("sandbox_probe_pkg.activities", "sandbox_probe_pkg"):
        sys.modules.pop(name, None)


def test_the_matcher_answers_as_temporalios():
    running, importing = RestrictionContext(), RestrictionContext()
    running.is_runtime = True
    members = SandboxRestrictions.default.invalid_module_members
    assert members.match_access(running, "os", "path")  # the whole of os.path, before 3.14
    assert not members.match_access(running, "time", "time")  # restricted when called, not read
    assert members.match_access(running, "time", "time", include_use=True)
    assert not members.match_access(importing, "time", "time", include_use=True)  # only at run time
    unrestricted = members.with_child_unrestricted("time", "time")
    assert not unrestricted.match_access(running, "time", "time", include_use=True)
    assert unrestricted.match_access(running, "time", "monotonic", include_use=True)
