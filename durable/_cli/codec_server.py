"""``durable codec-server``: serve a payload codec as Temporal's codec server, until Ctrl-C.

Its options are read when the parser is built (cheap); :func:`run_codec_server` imports the
codec and the server only when the command runs.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
from typing import Any, TextIO

__all__ = ["add_codec_server_command", "load_codec", "run_codec_server"]


def add_codec_server_command(subparsers: Any) -> None:
    """``durable codec-server``."""
    parser = subparsers.add_parser(
        "codec-server",
        help="serve a payload codec (POST /encode, /decode) for the CLI's --codec-endpoint and the web UI",
        description="Serve a payload codec as Temporal's codec server: POST /encode and POST /decode take "
        '{"payloads": [...]} in proto JSON. `durable workflow describe|show --codec-endpoint URL` and the '
        "web UI's codec endpoint setting decode through it.",
    )
    parser.add_argument(
        "--codec",
        required=True,
        metavar="MODULE:OBJECT",
        help="the codec: a PayloadCodec, its class (made with no arguments), or a DataConverter with one "
        "(e.g. myapp.codec:EncryptionCodec), imported from the current directory",
    )
    parser.add_argument("--port", "-p", type=int, default=8081, help="port (default 8081)")
    parser.add_argument("--ip", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--allow-origin",
        action="append",
        metavar="ORIGIN",
        help="an origin whose web UI may call it (repeatable; '*' for any; default: the dev server's UI)",
    )
    parser.set_defaults(run_codec_server=True)


def load_codec(spec: str) -> Any:
    """The PayloadCodec that ``module:object`` names.

    Raises:
        ValueError: not ``module:object``, or not a codec, its class or a data converter with one.
        ImportError: the module does not import.
    """
    from durable.converter import DataConverter, PayloadCodec

    module_name, sep, name = spec.partition(":")
    if not sep or not module_name or not name:
        raise ValueError(f"--codec takes MODULE:OBJECT, e.g. myapp.codec:EncryptionCodec, not {spec!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # the project's own packages
    value: Any = importlib.import_module(module_name)
    for part in name.split("."):
        value = getattr(value, part)
    if isinstance(value, type) and issubclass(value, PayloadCodec):
        value = value()
    if isinstance(value, DataConverter):
        value = value.payload_codec
    if not isinstance(value, PayloadCodec):
        raise ValueError(f"{spec} is not a PayloadCodec, a PayloadCodec class or a DataConverter with a codec")
    return value


def run_codec_server(args: argparse.Namespace, out: TextIO) -> int:
    """Serve until SIGINT or SIGTERM; 0 after a clean stop, 1 when the codec cannot be loaded."""
    from durable._codec.server import DEFAULT_ORIGINS, CodecServer

    try:
        codec = load_codec(args.codec)
    except (ValueError, ImportError, AttributeError) as err:
        out.write(f"error: {err}\n")
        return 1
    try:
        server = CodecServer(codec, host=args.ip, port=args.port, allowed_origins=args.allow_origin or DEFAULT_ORIGINS)
    except OSError as err:
        out.write(f"error: cannot listen on {args.ip}:{args.port} ({err.strerror or err}): choose one with --port\n")
        return 1
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    server.start()
    out.write(f"codec server ({type(codec).__name__}) at {server.url}: POST /encode, POST /decode\n")
    out.write(f"  durable workflow describe --codec-endpoint {server.url} ...\nCtrl-C to stop\n")
    out.flush()
    while not stop.wait(0.5):
        pass
    server.stop()
    out.write("stopped\n")
    return 0
