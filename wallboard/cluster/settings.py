"""The cluster's own file: NATS, the shared store, and the accounts with their settings.

Each account points at an ordinary settings file (config.example.toml's format): its
vendor identity, boards, users and kiosk tokens. A web node for one account loads only
that file, so a user or kiosk token of one account is unknown to another's boards.
An error names the file and the key, like `load_settings`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from wallboard.config import Settings, data_dir, load_settings
from wallboard.errors import ConfigError

__all__ = [
    "AccountEntry",
    "ClusterSettings",
    "account_settings",
    "check_stores",
    "load_cluster",
    "node_settings",
]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AccountEntry(_Section):
    """One vendor account: its settings file and its ports."""

    settings: str  # relative to the cluster file
    ingest_port: int = Field(ge=1, le=65535)  # the ingest worker: CDR webhook, /healthz
    web_port: int = Field(ge=1, le=65535)  # web node N serves this account on web_port + N


class ClusterSettings(_Section):
    """Where NATS is, the shared PostgreSQL, and the accounts."""

    nats_url: str = "nats://127.0.0.1:4222"
    # The PostgreSQL every ingest worker stores CDRs in (empty: each its own SQLite).
    store_url: SecretStr | None = None
    web_nodes: int = Field(2, ge=1, le=32)  # `wallboard cluster` starts this many
    nats_port: int = Field(4222, ge=0, le=65535)  # `wallboard cluster`'s local NATS
    accounts: dict[str, AccountEntry]

    @field_validator("accounts")
    @classmethod
    def _names(cls, v: dict[str, AccountEntry]) -> dict[str, AccountEntry]:
        for name in v:
            # The name is part of a NATS bucket name: letters, digits, - and _ only.
            if not name or not all(c.isascii() and (c.isalnum() or c in "-_") for c in name):
                raise ValueError(f"account name {name!r}: use letters, digits, '-' and '_'")
        if not v:
            raise ValueError("at least one account")
        return v


def load_cluster(path: Path | None) -> ClusterSettings:
    """Read and validate the cluster file (None: `--config` was not given)."""
    if path is None:
        raise ConfigError("(command line)", "--config", "the cluster file is required")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), "(file)", "no such file") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(str(path), "(syntax)", str(e)) from None
    try:
        return ClusterSettings.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        problem = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        raise ConfigError(str(path), key, problem) from None


def account_settings(cluster_file: Path, cluster: ClusterSettings, account: str) -> Settings:
    """One account's settings, with its own store: the cluster's shared PostgreSQL (rows
    keyed by account), else the account's `[store]`, else a SQLite file of the account's
    own (`wallboard-<account>.db` in the data directory) — never the one default file
    every account would share (each would read the others' CDRs, and a second account's
    CDR with an id already stored would be taken as a duplicate and dropped)."""
    entry = cluster.accounts.get(account)
    if entry is None:
        known = ", ".join(sorted(cluster.accounts))
        raise ConfigError(str(cluster_file), f"accounts.{account}", f"no such account ({known})")
    settings = load_settings(cluster_file.parent / entry.settings)
    store = settings.store
    if cluster.store_url is not None and cluster.store_url.get_secret_value():
        store = store.model_copy(update={"url": cluster.store_url})
    elif not _shared(settings) and not store.path:
        store = store.model_copy(update={"path": str(data_dir() / f"wallboard-{account}.db")})
    return settings.model_copy(update={"store": store})


def _shared(settings: Settings) -> bool:
    url = settings.store.url
    return url is not None and bool(url.get_secret_value())


def check_stores(cluster_file: Path, cluster: ClusterSettings) -> None:
    """Refuse two accounts on one SQLite file (naming the file and key): a CDR id is unique
    per account, and one file would hold one row for two accounts' calls."""
    owner: dict[Path, str] = {}
    for account in sorted(cluster.accounts):
        settings = account_settings(cluster_file, cluster, account)
        if _shared(settings):
            continue
        path = Path(settings.store.resolved_path()).resolve()
        if path in owner:
            raise ConfigError(
                str(cluster_file.parent / cluster.accounts[account].settings),
                "store.path",
                f"{path} is account {owner[path]}'s store too; give each account its own"
                " file (or leave it unset), or set the cluster's store_url (PostgreSQL)",
            )
        owner[path] = account


# What one web process has once for all its accounts (the address it binds, the cookie's
# signing secret, the proxies it trusts, the cookie's flags): the accounts a web node
# serves must agree on them. (`allowed_origins` is each account's own, by port.)
_PROCESS_WIDE = ("host", "storage_secret", "trusted_proxies", "secure_cookies")


def node_settings(
    cluster_file: Path, cluster: ClusterSettings, accounts: list[str], node: int
) -> list[tuple[str, Settings]]:
    """The settings of the accounts one web node serves, each on its port (`web_port +
    node`); refused, naming the file and the key, when they disagree on a process-wide one."""
    found: list[tuple[str, Settings]] = []
    for account in accounts:
        settings = account_settings(cluster_file, cluster, account)
        port = cluster.accounts[account].web_port + node
        web = settings.web.model_copy(update={"port": port})
        found.append((account, settings.model_copy(update={"web": web})))
    first_name, first = found[0]
    for account, settings in found[1:]:
        for key in _PROCESS_WIDE:
            if getattr(settings.web, key) != getattr(first.web, key):
                raise ConfigError(
                    str(cluster_file.parent / cluster.accounts[account].settings),
                    f"web.{key}",
                    f"differs from account {first_name}'s; one web node serves its accounts"
                    " from one process, so they must agree (or give each node one --account)",
                )
    ports = [s.web.port for _, s in found]
    if len(set(ports)) != len(ports):
        raise ConfigError(str(cluster_file), "accounts.*.web_port", f"ports overlap: {ports}")
    return found
