"""The cluster file: errors name the file and key; each account has only its own people."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from wallboard.cluster.settings import load_cluster
from wallboard.errors import ConfigError


def test_cluster_file_errors_name_the_file_and_the_key(tmp_path):
    p = tmp_path / "cluster.toml"
    p.write_text('[accounts."a b"]\nsettings = "x.toml"\ningest_port = 1\nweb_port = 2\n')
    with pytest.raises(ConfigError) as e:
        load_cluster(p)
    assert str(p) in str(e.value) and "accounts" in str(e.value)
    p.write_text('[accounts.a]\nsettings = "x.toml"\ningest_port = 0\nweb_port = 2\n')
    with pytest.raises(ConfigError) as e:
        load_cluster(p)
    assert "accounts.a.ingest_port" in str(e.value)


def test_an_account_knows_only_its_own_users_and_kiosk_tokens(tmp_path):
    from wallboard.cluster.settings import account_settings
    from wallboard.web.auth import Access, hash_password

    p = _two_accounts(
        tmp_path,
        lambda name: (
            f'[auth.users.lead-{name}]\npassword_hash = "{hash_password("pw-" + name)}"\n'
            f'[kiosk.tokens.tv]\ntoken = "tv-{name}"\n'
        ),
        'store_url = "postgresql://u:pw@db/wallboard"\n',
    )
    cluster = load_cluster(p)
    acme = Access(account_settings(p, cluster, "acme"))
    assert acme.login("lead-acme", "pw-acme") and acme.kiosk("tv-acme") is not None
    assert not acme.login("lead-globex", "pw-globex") and acme.kiosk("tv-globex") is None
    shared = account_settings(p, cluster, "globex").store.url
    assert shared is not None and shared.get_secret_value().endswith("@db/wallboard")
    with pytest.raises(ConfigError, match=r"accounts\.nope"):
        account_settings(p, cluster, "nope")


def test_a_web_node_refuses_accounts_that_disagree_on_what_the_process_has_once(tmp_path):
    from wallboard.cluster.settings import node_settings

    p = _two_accounts(
        tmp_path,
        lambda name: (
            f'[web]\nstorage_secret = "same"\nallowed_origins = ["https://{name}.example"]\n'
        ),
    )
    cluster = load_cluster(p)
    both = node_settings(p, cluster, ["acme", "globex"], 1)
    # Each on its own port (web_port + node), each with its own allowed origins.
    assert [(a, s.web.port) for a, s in both] == [("acme", 9101), ("globex", 9111)]
    assert both[1][1].web.allowed_origins == ["https://globex.example"]
    (tmp_path / "globex.toml").write_text('[web]\nstorage_secret = "other"\n')
    with pytest.raises(ConfigError) as e:
        node_settings(p, cluster, ["acme", "globex"], 0)
    assert str(tmp_path / "globex.toml") in str(e.value) and "web.storage_secret" in str(e.value)
    assert "other" not in str(e.value)  # never the secret itself
    # One account per node process is always possible.
    assert len(node_settings(p, cluster, ["globex"], 0)) == 1


def _two_accounts(tmp: Path, settings: Callable[[str], str], head: str = "") -> Path:
    """A cluster file of acme (web_port 9100) and globex (9110), each settings file made by
    `settings(name)`."""
    p = tmp / "cluster.toml"
    lines = []
    for i, name in enumerate(("acme", "globex")):
        lines += [f"[accounts.{name}]", f'settings = "{name}.toml"']
        lines += [f"ingest_port = {9000 + i}", f"web_port = {9100 + 10 * i}"]
        (tmp / f"{name}.toml").write_text(settings(name))
    p.write_text(head + "\n".join(lines) + "\n")
    return p
