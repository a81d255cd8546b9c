"""Client configuration from a TOML file and environment variables (temporalio's ``envconfig``).

The same profiles temporalio reads, with durable's names: the file is
``<user config dir>/durable/durable.toml`` (or ``$DURABLE_CONFIG_FILE``), and the variables
are ``DURABLE_*`` where temporalio reads ``TEMPORAL_*`` (``DURABLE_ADDRESS``,
``DURABLE_NAMESPACE``, ``DURABLE_PROFILE``, ``DURABLE_TLS_*``, ``DURABLE_GRPC_META_*``...).
A ``TEMPORAL_*`` variable is not read: it names a Temporal cluster, not a durable API.

    [profile.default]
    address = "http://127.0.0.1:8233"

    [profile.prod]
    address = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"

``Client.connect(**ClientConfig.load_client_connect_config())`` then connects to the
profile's address (``DURABLE_PROFILE`` picks the profile). What ``Client.connect`` does
with ``api_key``, ``tls`` and ``rpc_metadata`` is said there.

The file layout, the precedence (arguments, then environment, then file), the errors and
their messages are those of temporalio 1.35 (whose loader is in its Rust core).
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Self, TypeAlias, TypedDict, cast

from durable.service import TLSConfig

__all__ = [
    "ClientConfig",
    "ClientConfigProfile",
    "ClientConfigProfileDict",
    "ClientConfigTLS",
    "ClientConfigTLSDict",
    "ClientConnectConfig",
    "ConfigError",
    "DataSource",
    "default_config_file",
]

DataSource: TypeAlias = Path | str | bytes  # str represents a file contents, bytes represents raw data

ENV_PREFIX = "DURABLE_"
"""Where temporalio reads ``TEMPORAL_X``, durable reads ``DURABLE_X``."""
CONFIG_FILE_ENV = "DURABLE_CONFIG_FILE"
PROFILE_ENV = "DURABLE_PROFILE"
GRPC_META_ENV_PREFIX = "DURABLE_GRPC_META_"
DEFAULT_PROFILE = "default"


class ConfigError(RuntimeError):
    """The configuration cannot be loaded: a bad file, an unknown profile, conflicting values
    (temporalio raises its core's ``ConfigError``, also a RuntimeError, with these messages)."""


# -- the dictionaries (TOML's shape) ------------------------------------------------------


class ClientConfigTLSDict(TypedDict, total=False):
    """Dictionary representation of TLS config for TOML."""

    disabled: bool | None
    server_name: str
    server_ca_cert: Mapping[str, str]
    client_cert: Mapping[str, str]
    client_key: Mapping[str, str]


class ClientConfigProfileDict(TypedDict, total=False):
    """Dictionary representation of a client config profile for TOML."""

    address: str
    namespace: str
    api_key: str
    tls: ClientConfigTLSDict
    grpc_meta: Mapping[str, str]


def _from_dict_to_source(d: Mapping[str, str | bytes] | None) -> DataSource | None:
    # "data" is str in a user's dict, bytes when read from the environment
    if not d:
        return None
    if "data" in d:
        return d["data"]
    if "path" in d:
        return Path(os.fsdecode(d["path"]))
    return None


def _source_to_dict(source: DataSource | None) -> Mapping[str, str] | None:
    if isinstance(source, Path):
        return {"path": str(source)}
    if isinstance(source, str):
        return {"data": source}
    if isinstance(source, bytes):
        return {"data": source.decode("utf-8")}
    return None


def _read_source(source: DataSource | None) -> bytes | None:
    if source is None:
        return None
    if isinstance(source, Path):
        with open(source, "rb") as f:
            return f.read()
    if isinstance(source, str):
        return source.encode("utf-8")
    if isinstance(source, bytes):
        return source
    raise TypeError(f"Source must be one of pathlib.Path, str, or bytes, but got {type(source).__name__}")


# -- the public classes ---------------------------------------------------------------------


@dataclass(frozen=True)
class ClientConfigTLS:
    """TLS configuration as specified as part of client configuration"""

    disabled: bool | None = None
    """If True, TLS is explicitly disabled. If False, TLS is explicitly enabled.
    If None, TLS behavior was not configured."""
    server_name: str | None = None
    """SNI override."""
    server_root_ca_cert: DataSource | None = None
    """Server CA certificate source."""
    client_cert: DataSource | None = None
    """Client certificate source."""
    client_private_key: DataSource | None = None
    """Client key source."""

    def to_dict(self) -> ClientConfigTLSDict:
        """Convert to a dictionary that can be used for TOML serialization."""
        d: ClientConfigTLSDict = {}
        if self.disabled is not None:
            d["disabled"] = self.disabled
        if self.server_name is not None:
            d["server_name"] = self.server_name

        def set_source(key: Literal["server_ca_cert", "client_cert", "client_key"], source: DataSource | None) -> None:
            if source is not None and (val := _source_to_dict(source)):
                d[key] = val

        set_source("server_ca_cert", self.server_root_ca_cert)
        set_source("client_cert", self.client_cert)
        set_source("client_key", self.client_private_key)
        return d

    def to_connect_tls_config(self) -> bool | TLSConfig:
        """Create a :class:`durable.service.TLSConfig` from this profile (False if disabled)."""
        if self.disabled is True:
            return False
        return TLSConfig(
            domain=self.server_name,
            server_root_ca_cert=_read_source(self.server_root_ca_cert),
            client_cert=_read_source(self.client_cert),
            client_private_key=_read_source(self.client_private_key),
        )

    @classmethod
    def from_dict(cls, d: ClientConfigTLSDict | None) -> Self | None:
        """Create a ClientConfigTLS from a dictionary."""
        if not d:
            return None
        return cls(
            disabled=d.get("disabled"),
            server_name=d.get("server_name"),
            server_root_ca_cert=_from_dict_to_source(d.get("server_ca_cert")),
            client_cert=_from_dict_to_source(d.get("client_cert")),
            client_private_key=_from_dict_to_source(d.get("client_key")),
        )


class ClientConnectConfig(TypedDict, total=False):
    """Arguments for :meth:`durable.client.Client.connect` that are configurable via
    environment configuration.
    """

    target_host: str
    namespace: str
    api_key: str
    tls: bool | TLSConfig
    rpc_metadata: Mapping[str, str]


@dataclass(frozen=True)
class ClientConfigProfile:
    """Represents a client configuration profile.

    This class holds the configuration as loaded from a file or environment.
    See `to_client_connect_config` to transform the profile to `ClientConnectConfig`,
    which can be used to create a client.
    """

    address: str | None = None
    """Client address: the API's URL (a dev server or a stack's ApiUrl)."""
    namespace: str | None = None
    """Client namespace."""
    api_key: str | None = None
    """Client API key."""
    tls: ClientConfigTLS | None = None
    """TLS configuration."""
    grpc_meta: Mapping[str, str] = field(default_factory=dict)
    """Metadata sent with every call (HTTP headers, for durable)."""

    @classmethod
    def from_dict(cls, d: ClientConfigProfileDict) -> Self:
        """Create a ClientConfigProfile from a dictionary."""
        return cls(
            address=d.get("address"),
            namespace=d.get("namespace"),
            api_key=d.get("api_key"),
            tls=ClientConfigTLS.from_dict(d.get("tls")),
            grpc_meta=d.get("grpc_meta") or {},
        )

    def to_dict(self) -> ClientConfigProfileDict:
        """Convert to a dictionary that can be used for TOML serialization."""
        d: ClientConfigProfileDict = {}
        if self.address is not None:
            d["address"] = self.address
        if self.namespace is not None:
            d["namespace"] = self.namespace
        if self.api_key is not None:
            d["api_key"] = self.api_key
        if self.tls and (tls_dict := self.tls.to_dict()):
            d["tls"] = tls_dict
        if self.grpc_meta:
            d["grpc_meta"] = self.grpc_meta
        return d

    def to_client_connect_config(self) -> ClientConnectConfig:
        """Create a `ClientConnectConfig` from this profile."""
        config: ClientConnectConfig = {}
        if self.address:
            config["target_host"] = self.address
        if self.namespace is not None:
            config["namespace"] = self.namespace
        if self.api_key is not None:
            config["api_key"] = self.api_key
            config["tls"] = True  # as temporalio: an API key implies TLS
        if self.tls is not None:
            config["tls"] = self.tls.to_connect_tls_config()
        if self.grpc_meta:
            config["rpc_metadata"] = self.grpc_meta
        return config

    @staticmethod
    def load(
        profile: str | None = None,
        *,
        config_source: DataSource | None = None,
        disable_file: bool = False,
        disable_env: bool = False,
        config_file_strict: bool = False,
        override_env_vars: Mapping[str, str] | None = None,
    ) -> ClientConfigProfile:
        """Load a single client profile from given sources, applying env overrides.

        To get a :py:class:`ClientConnectConfig`, use the
        :py:meth:`to_client_connect_config` method on the returned profile.

        Args:
            profile: Profile to load from the config (default: ``$DURABLE_PROFILE``, else
                ``default``). A profile named here or in the environment must exist in the
                file; the implicit ``default`` may be absent.
            config_source: If present, this is used as the configuration source
                instead of default file locations. This can be a path to the file
                or the string/byte contents of the file.
            disable_file: If true, file loading is disabled.
            disable_env: If true, environment variable loading and overriding
                is disabled. This takes precedence over the ``override_env_vars``
                parameter.
            config_file_strict: If true, will error on unrecognized keys.
            override_env_vars: The environment to use for loading and overrides.
                If not provided, the current process's environment is used.

        Returns:
            The client configuration profile.

        Raises:
            ConfigError: the file does not parse, the profile is not in it, or a
                certificate is given both as a path and as data.
        """
        env = os.environ if override_env_vars is None else override_env_vars
        raw: dict[str, Any] = {}
        if not disable_file:
            profiles = _load_profiles(config_source, config_file_strict, env)
            name = profile or (None if disable_env else env.get(PROFILE_ENV)) or None
            if name is not None:
                if name not in profiles:
                    raise ConfigError(f"Profile '{name}' not found")
                raw = profiles[name]
            else:
                raw = profiles.get(DEFAULT_PROFILE, {})
        if not disable_env:
            raw = _apply_env(raw, env)
        # raw is the file's profile, each value checked, with the environment applied: from_dict's
        # shape (certificate data as bytes, which from_dict keeps as a DataSource)
        return ClientConfigProfile.from_dict(cast(ClientConfigProfileDict, raw))


@dataclass
class ClientConfig:
    """Client configuration loaded from TOML and environment variables.

    This contains a mapping of profile names to client profiles. Use
    `ClientConfigProfile.to_client_connect_config` to create a `ClientConnectConfig`
    from a profile. See `ClientConfigProfile.load` to load an individual profile.
    """

    profiles: Mapping[str, ClientConfigProfile]
    """Map of profile name to its corresponding ClientConfigProfile."""

    def to_dict(self) -> Mapping[str, ClientConfigProfileDict]:
        """Convert to a dictionary that can be used for TOML serialization."""
        return {k: v.to_dict() for k, v in self.profiles.items()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Mapping[str, Any]]) -> Self:
        """Create a ClientConfig from a dictionary."""
        # each profile a ClientConfigProfileDict: a user's, or one the loader checked
        return cls(profiles={k: ClientConfigProfile.from_dict(cast(ClientConfigProfileDict, v)) for k, v in d.items()})

    @staticmethod
    def load(
        *,
        config_source: DataSource | None = None,
        config_file_strict: bool = False,
        override_env_vars: Mapping[str, str] | None = None,
    ) -> ClientConfig:
        """Load all client profiles from given sources.

        This does not apply environment variable overrides to the profiles, it
        only uses an environment variable to find the default config file path
        (``DURABLE_CONFIG_FILE``). To get a single profile with environment variables
        applied, use :py:meth:`ClientConfigProfile.load`.

        Args:
            config_source: If present, this is used as the configuration source
                instead of default file locations. This can be a path to the file
                or the string/byte contents of the file.
            config_file_strict: If true, will TOML file parsing will error on
                unrecognized keys.
            override_env_vars: The environment variables to use for locating the
                default config file. If not provided, the current process's
                environment is used to check for ``DURABLE_CONFIG_FILE``.
        """
        env = os.environ if override_env_vars is None else override_env_vars
        return ClientConfig.from_dict(_load_profiles(config_source, config_file_strict, env))

    @staticmethod
    def load_client_connect_config(
        profile: str | None = None,
        *,
        config_file: str | None = None,
        disable_file: bool = False,
        disable_env: bool = False,
        config_file_strict: bool = False,
        override_env_vars: Mapping[str, str] | None = None,
    ) -> ClientConnectConfig:
        """Load a single client profile and convert to connect config.

        This is a convenience function that combines loading a profile and
        converting it to a connect config dictionary. This will use the current
        process's environment for overrides unless disabled.

        Args:
            profile: The profile to load from the config. Defaults to "default".
            config_file: Path to a specific TOML config file. If not provided,
                default file locations are used. This is ignored if
                ``disable_file`` is true.
            disable_file: If true, file loading is disabled.
            disable_env: If true, environment variable loading and overriding
                is disabled.
            config_file_strict: If true, will error on unrecognized keys in the
                TOML file.
            override_env_vars: A dictionary of environment variables to use for
                loading and overrides. If not provided, the current process's
                environment is used.

        Returns:
            TypedDict of keyword arguments for :py:meth:`durable.client.Client.connect`.
        """
        config_source: DataSource | None = None
        if config_file and not disable_file:
            config_source = Path(config_file)
        prof = ClientConfigProfile.load(
            profile=profile,
            config_source=config_source,
            disable_file=disable_file,
            disable_env=disable_env,
            config_file_strict=config_file_strict,
            override_env_vars=override_env_vars,
        )
        return prof.to_client_connect_config()


# -- the file -----------------------------------------------------------------------------


def default_config_file() -> Path:
    """``<user config dir>/durable/durable.toml``, where temporalio has
    ``<user config dir>/temporalio/temporal.toml``: ``$XDG_CONFIG_HOME`` or ``~/.config`` on
    Linux, ``~/Library/Application Support`` on macOS, ``%APPDATA%`` on Windows."""
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_CONFIG_HOME", "")
        base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".config"
    return base / "durable" / "durable.toml"


def _file_bytes(source: DataSource | None, env: Mapping[str, str]) -> bytes | None:
    """The file's contents: the source given, else ``$DURABLE_CONFIG_FILE``, else the default
    location; None when that file does not exist (no file is no profiles)."""
    if isinstance(source, str):
        return source.encode("utf-8")
    if isinstance(source, bytes):
        return source
    if source is not None and not isinstance(source, Path):
        raise TypeError(
            f"config_source must be one of pathlib.Path, str, bytes, or None, but got {type(source).__name__}"
        )
    path = source or Path(env.get(CONFIG_FILE_ENV) or default_config_file())
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise ConfigError(f"Configuration loading error: {err}") from err


_PROFILE_KEYS = ("address", "namespace", "api_key", "tls", "codec", "grpc_meta")
_TLS_KEYS = (
    "disabled",
    "client_cert_path",
    "client_cert_data",
    "client_key_path",
    "client_key_data",
    "server_ca_cert_path",
    "server_ca_cert_data",
    "server_name",
    "disable_host_verification",
)
_CODEC_KEYS = ("endpoint", "auth")
# (TOML prefix, output key, the env variable's middle, the words of the conflict messages)
_SOURCES = (
    ("client_cert", "client_cert", "TLS_CLIENT_CERT", "cert"),
    ("client_key", "client_key", "TLS_CLIENT_KEY", "key"),
    ("server_ca_cert", "server_ca_cert", "TLS_SERVER_CA_CERT", "server CA cert"),
)


def _expect(known: tuple[str, ...]) -> str:
    quoted = [f"`{k}`" for k in known]
    if len(quoted) == 1:
        return f"expected {quoted[0]}"
    if len(quoted) == 2:
        return f"expected {quoted[0]} or {quoted[1]}"
    return f"expected one of {', '.join(quoted)}"


def _check_table(where: str, table: Any, known: tuple[str, ...], strict: bool) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(f"Configuration loading error: {where}: invalid type: {_kind(table)}, expected a map")
    if strict:
        for key in table:
            if key not in known:
                raise ConfigError(f"Configuration loading error: {where}: unknown field `{key}`, {_expect(known)}")
    return table


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean `{str(value).lower()}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, str):
        return f'string "{value}"'
    return type(value).__name__


def _string(where: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"Configuration loading error: {where}: invalid type: {_kind(value)}, expected a string")
    return value


def _meta_key(name: str) -> str:
    """A metadata key as temporalio normalizes it: lower case, ``_`` as ``-``."""
    return name.lower().replace("_", "-")


def _load_profiles(source: DataSource | None, strict: bool, env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Every profile of the file, in the shape ``ClientConfigProfile.from_dict`` reads."""
    data = _file_bytes(source, env)
    if data is None:
        return {}
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise ConfigError(f"Configuration loading error: {err}") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"Configuration loading error: TOML parse error: {err}") from err
    _check_table("file", document, ("profile",), strict)
    profiles = _check_table("profile", document.get("profile", {}), (), False)
    return {name: _profile(name, table, strict) for name, table in profiles.items()}


def _profile(name: str, table: Any, strict: bool) -> dict[str, Any]:
    where = f"profile.{name}"
    table = _check_table(where, table, _PROFILE_KEYS, strict)
    out: dict[str, Any] = {}
    for key in ("address", "namespace", "api_key"):
        if key in table:
            out[key] = _string(f"{where}.{key}", table[key])
    if "codec" in table:  # read and checked as temporalio does; a codec server is no concern of the client
        codec = _check_table(f"{where}.codec", table["codec"], _CODEC_KEYS, strict)
        for key in _CODEC_KEYS:
            if key in codec:
                _string(f"{where}.codec.{key}", codec[key])
    if "grpc_meta" in table:
        meta = _check_table(f"{where}.grpc_meta", table["grpc_meta"], (), False)
        out["grpc_meta"] = {_meta_key(k): _string(f"{where}.grpc_meta.{k}", v) for k, v in meta.items()}
    if "tls" in table:
        out["tls"] = _tls(f"{where}.tls", table["tls"], strict)
    return out


def _tls(where: str, table: Any, strict: bool) -> dict[str, Any]:
    table = _check_table(where, table, _TLS_KEYS, strict)
    out: dict[str, Any] = {"disabled": None}  # a [tls] table, even empty, is a ClientConfigTLS
    for key in ("disabled", "disable_host_verification"):
        if key in table and not isinstance(table[key], bool):
            raise ConfigError(
                f"Configuration loading error: {where}.{key}: invalid type: {_kind(table[key])}, expected a boolean"
            )
    if "disabled" in table:
        out["disabled"] = table["disabled"]
    if "server_name" in table:
        out["server_name"] = _string(f"{where}.server_name", table["server_name"])
    for prefix, key, _, _ in _SOURCES:
        path, data = table.get(f"{prefix}_path"), table.get(f"{prefix}_data")
        if path is not None and data is not None:
            raise ConfigError(f"Invalid configuration: Cannot specify both {prefix}_path and {prefix}_data")
        if path is not None:
            out[key] = {"path": _string(f"{where}.{prefix}_path", path)}
        elif data is not None:
            out[key] = {"data": _string(f"{where}.{prefix}_data", data).encode("utf-8")}
    return out


# -- the environment ----------------------------------------------------------------------


def _bool(text: str) -> bool | None:
    """temporalio's reading of a boolean variable: true/1, false/0 (any case); else unset."""
    lowered = text.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    return None


def _apply_env(raw: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """The profile with the ``DURABLE_*`` variables applied over it (a set variable wins,
    even when empty, as in temporalio)."""
    out = dict(raw)
    for key in ("address", "namespace", "api_key"):
        value = env.get(f"{ENV_PREFIX}{key.upper()}")
        if value is not None:
            out[key] = value
    tls: dict[str, Any] | None = dict(out["tls"]) if "tls" in out else None

    def tls_table() -> dict[str, Any]:
        nonlocal tls
        if tls is None:
            tls = {"disabled": None}  # a TLS variable, even unreadable, makes a ClientConfigTLS
        return tls

    if (value := env.get(f"{ENV_PREFIX}TLS")) is not None:
        enabled = _bool(value)
        table = tls_table()
        if enabled is not None:
            table["disabled"] = not enabled
    if (value := env.get(f"{ENV_PREFIX}TLS_SERVER_NAME")) is not None:
        tls_table()["server_name"] = value
    if env.get(f"{ENV_PREFIX}TLS_DISABLE_HOST_VERIFICATION") is not None:
        tls_table()  # read by temporalio's core; ClientConfigTLS has no field for it
    for _, key, middle, words in _SOURCES:
        path_var, data_var = f"{ENV_PREFIX}{middle}_PATH", f"{ENV_PREFIX}{middle}_DATA"
        path, data = env.get(path_var), env.get(data_var)
        if path is not None and data is not None:
            raise ConfigError(f"Invalid configuration: Cannot specify both {path_var} and {data_var}")
        if path is None and data is None:
            continue
        current = (tls or {}).get(key) or {}
        if path is not None:
            if "data" in current:
                raise ConfigError(
                    f"Invalid configuration: Cannot specify {words} path via {path_var}"
                    f" when {words} data is already specified"
                )
            tls_table()[key] = {"path": path}
        else:
            assert data is not None
            if "path" in current:
                raise ConfigError(
                    f"Invalid configuration: Cannot specify {words} data via {data_var}"
                    f" when {words} path is already specified"
                )
            tls_table()[key] = {"data": data.encode("utf-8")}
    if tls is not None:
        out["tls"] = tls
    meta = dict(out.get("grpc_meta") or {})
    for name, value in env.items():
        if name.startswith(GRPC_META_ENV_PREFIX):
            header = _meta_key(name[len(GRPC_META_ENV_PREFIX) :])
            if value:
                meta[header] = value
            else:  # an empty variable removes the file's header
                meta.pop(header, None)
    if meta:
        out["grpc_meta"] = meta
    else:
        out.pop("grpc_meta", None)
    return out
