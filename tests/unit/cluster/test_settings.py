"""The cluster file: errors name the file and key; each account has only its own people."""

from __future__ import annotations

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

    p = tmp_path / "cluster.toml"
    lines = []
    for i, name in enumerate(("acme", "globex")):
        lines += [f"[accounts.{name}]", f'settings = "{name}.toml"']
        lines += [f"ingest_port = {9000 + i}", f"web_port = {9100 + i}"]
        (tmp_path / f"{name}.toml").write_text(
            f'[auth.users.lead-{name}]\npassword_hash = "{hash_password("pw-" + name)}"\n'
            f'[kiosk.tokens.tv]\ntoken = "tv-{name}"\n'
        )
    p.write_text('store_url = "postgresql://u:pw@db/wallboard"\n' + "\n".join(lines) + "\n")
    cluster = load_cluster(p)
    acme = Access(account_settings(p, cluster, "acme"))
    assert acme.login("lead-acme", "pw-acme") and acme.kiosk("tv-acme") is not None
    assert not acme.login("lead-globex", "pw-globex") and acme.kiosk("tv-globex") is None
    shared = account_settings(p, cluster, "globex").store.url
    assert shared is not None and shared.get_secret_value().endswith("@db/wallboard")
    with pytest.raises(ConfigError, match=r"accounts\.nope"):
        account_settings(p, cluster, "nope")
