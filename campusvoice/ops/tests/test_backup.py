"""`campusvoice backup` and `campusvoice restore`, on the suite's database (SQLite or PostgreSQL).

The round trip restores into an EMPTY database in a separate process, as an operator would, then
reads every table of both databases independently of the code under test and compares them.
"""

import errno
import hashlib
import io
import json
import os
import re
import sqlite3
import stat
import tarfile
from contextlib import closing

import psycopg
import pyrage
import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection

from campusvoice.campaigns.tests.factories import ContentTemplateFactory
from campusvoice.conversations.tests.factories import CommentFactory
from campusvoice.ops.backup import BackupError, backup_identities_read
from campusvoice.ops.tests.conftest import campusvoice
from campusvoice.petitions.tests.factories import SignatureFactory
from campusvoice.supporters.tests.factories import EmailAddressFactory

IMAGE = b"\x89PNG\r\n\x1a\n not really a picture, but bytes to carry over"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def some_of_everything(organiser, media_root):
    """Rows in many apps' tables, an uploaded image, and text that is not plain ASCII."""
    CommentFactory.create_batch(3, text="Grazie, è importante 💜")
    EmailAddressFactory.create_batch(2)
    SignatureFactory()
    template = ContentTemplateFactory(created_by=organiser)
    template.image.save("poster.png", ContentFile(IMAGE))
    return template


def _pg_conninfo(dbname: str) -> dict:
    settings_dict = connection.settings_dict
    return {
        "dbname": dbname,
        "host": settings_dict["HOST"] or None,
        "port": settings_dict["PORT"] or None,
        "user": settings_dict["USER"] or None,
        "password": settings_dict["PASSWORD"] or None,
    }


def _every_table(dbapi_connection, engine: str) -> dict[str, tuple[int, str]]:
    """Rows and a hash of the sorted rows of every table: our own reading, not the service's."""
    cursor = dbapi_connection.cursor()
    if engine == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    tables = [row[0] for row in cursor.fetchall()]
    found = {}
    for table in tables:
        cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608
        rows = sorted(repr(row) for row in cursor.fetchall())
        found[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return found


@pytest.fixture
def restore_target(tmp_path, production_env):
    """The environment of a fresh machine whose database is EMPTY: a new SQLite file, or a new
    PostgreSQL database named after the suite's one with `_restore` (cv_trust → cv_trust_restore)."""
    env = {**production_env, "CAMPUSVOICE_VAR_DIR": str(tmp_path / "restored")}
    if connection.vendor == "sqlite":
        path = tmp_path / "restored" / "campusvoice.sqlite3"
        env["DATABASE_URL"] = f"sqlite:///{path}"
        yield env, lambda: closing(sqlite3.connect(path))
        return
    name = connection.settings_dict["NAME"].removeprefix("test_") + "_restore"
    with psycopg.connect(**_pg_conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    info = _pg_conninfo(name)
    password = f":{info['password']}" if info["password"] else ""
    env["DATABASE_URL"] = f"postgres://{info['user']}{password}@{info['host']}:{info['port'] or 5432}/{name}"
    try:
        yield env, lambda: psycopg.connect(**info)
    finally:
        with psycopg.connect(**_pg_conninfo("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _source_connection():
    if connection.vendor == "sqlite":
        # The suite's in-memory database, shared with a second, plain connection.
        return closing(sqlite3.connect(connection.settings_dict["NAME"], uri=True))
    return psycopg.connect(**_pg_conninfo(connection.settings_dict["NAME"]))


@pytest.mark.django_db(transaction=True)
def test_it_restores_every_table_and_upload_into_an_empty_database(
    some_of_everything, restore_target, tmp_path
):
    env, target_connection = restore_target
    archive = tmp_path / "nightly.tar.gz"
    call_command("backup", output=archive, verbosity=0)

    result = campusvoice("restore", str(archive), env=env)

    assert result.returncode == 0, result.stderr
    assert "Restored" in result.stdout
    engine = connection.vendor
    with _source_connection() as source:
        expected = _every_table(source, engine)
    with target_connection() as target:
        restored = _every_table(target, engine)
    assert set(restored) == set(expected)
    different = {table for table in expected if restored[table] != expected[table]}
    assert not different, f"tables that differ after the restore: {sorted(different)}"
    assert expected["conversations_comment"][0] == 3
    assert expected["supporters_emailaddress"][0] >= 2
    image = tmp_path / "restored" / "media" / some_of_everything.image.name
    assert image.read_bytes() == IMAGE


@pytest.mark.django_db(transaction=True)
def test_it_asks_before_replacing_a_database_that_holds_data(some_of_everything, restore_target, tmp_path):
    env, target_connection = restore_target
    archive = tmp_path / "nightly.tar.gz"
    call_command("backup", output=archive, verbosity=0)
    assert campusvoice("restore", str(archive), env=env).returncode == 0

    refused = campusvoice("restore", str(archive), env=env)

    assert refused.returncode == 1
    assert "is not empty" in refused.stderr
    assert re.search(r"\d+ rows in \d+ tables: \w+ \(\d+ rows\)", refused.stderr)
    assert "1 uploaded files" in refused.stderr
    assert "run again with --yes" in refused.stderr

    replaced = campusvoice("restore", "--yes", str(archive), env=env)

    assert replaced.returncode == 0, replaced.stderr
    with target_connection() as target:
        assert _every_table(target, connection.vendor)["conversations_comment"][0] == 3


@pytest.mark.django_db(transaction=True)
def test_the_manifest_describes_the_backup(some_of_everything, tmp_path):
    archive = tmp_path / "nightly.tar.gz"

    call_command("backup", output=archive, verbosity=0)

    assert stat.S_IMODE(os.stat(archive).st_mode) == 0o600
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
        image = tar.extractfile(f"media/{some_of_everything.image.name}").read()
    assert names[0] == "manifest.json"
    assert manifest["engine"] == connection.vendor
    assert manifest["app_version"] == "0.1.0"
    assert manifest["created_at"].endswith("+00:00")
    assert "0001_initial" in manifest["migrations"]["accounts"]
    assert manifest["tables"]["conversations_comment"]["rows"] == 3
    assert manifest["files"][f"media/{some_of_everything.image.name}"] == {
        "size": len(IMAGE),
        "sha256": hashlib.sha256(IMAGE).hexdigest(),
    }
    assert image == IMAGE


def _rewrite(archive, target, *, manifest_change=None, member_change=None):
    """Copy a backup archive, changing its manifest or one member's bytes."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "manifest.json" and manifest_change:
                manifest = json.loads(data)
                manifest_change(manifest)
                data = json.dumps(manifest).encode()
            elif member_change and member.name.startswith("database."):
                data = member_change(data)
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_backup_made_by_newer_code_and_changes_nothing(some_of_everything, tmp_path):
    archive, future = tmp_path / "nightly.tar.gz", tmp_path / "future.tar.gz"
    call_command("backup", output=archive, verbosity=0)
    _rewrite(
        archive,
        future,
        manifest_change=lambda m: m["migrations"]["conversations"].append("9999_from_the_future"),
    )

    with pytest.raises(CommandError, match=r"migrations this code does not know \(conversations.9999"):
        call_command("restore", str(future), yes=True, verbosity=0)

    with _source_connection() as source:
        assert _every_table(source, connection.vendor)["conversations_comment"][0] == 3


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_damaged_backup_before_touching_anything(some_of_everything, tmp_path):
    archive, damaged = tmp_path / "nightly.tar.gz", tmp_path / "damaged.tar.gz"
    call_command("backup", output=archive, verbosity=0)
    _rewrite(archive, damaged, member_change=lambda data: data[:-1] + bytes([data[-1] ^ 1]))

    with pytest.raises(CommandError, match="does not match its checksum"):
        call_command("restore", str(damaged), yes=True, verbosity=0)

    with _source_connection() as source:
        assert _every_table(source, connection.vendor)["conversations_comment"][0] == 3


@pytest.mark.django_db(transaction=True)
def test_verify_only_checks_an_intact_backup_and_changes_nothing(some_of_everything, tmp_path):
    archive = tmp_path / "nightly.tar.gz"
    call_command("backup", output=archive, verbosity=0)
    out = io.StringIO()

    call_command("restore", str(archive), verify_only=True, stdout=out, verbosity=0)

    assert "is intact" in out.getvalue()


def test_it_refuses_a_file_that_is_not_a_backup(tmp_path, db):
    not_a_backup = tmp_path / "notes.tar.gz"
    with tarfile.open(not_a_backup, "w:gz") as tar:
        tar.addfile(tarfile.TarInfo("notes.txt"), io.BytesIO(b""))

    with pytest.raises(CommandError, match="not a campusvoice backup: it does not start with manifest.json"):
        call_command("restore", str(not_a_backup), yes=True, verbosity=0)


def test_it_refuses_to_overwrite_an_existing_file(tmp_path, db):
    existing = tmp_path / "nightly.tar.gz"
    existing.write_bytes(b"yesterday")

    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", output=existing, verbosity=0)

    assert existing.read_bytes() == b"yesterday"


# Encrypted backups (age) ------------------------------------------------------------------------


@pytest.fixture
def age_key(tmp_path):
    """(public key, identity file): a key pair made as `age-keygen -o key.txt` would."""
    identity = pyrage.x25519.Identity.generate()
    key_file = tmp_path / "keys" / "backup-key.txt"
    key_file.parent.mkdir()
    key_file.write_text(f"# created: for the tests\n# public key: {identity.to_public()}\n{identity}\n")
    key_file.chmod(0o600)
    return str(identity.to_public()), key_file


@pytest.mark.django_db(transaction=True)
def test_it_restores_an_encrypted_backup_into_an_empty_database_table_for_table(
    some_of_everything, restore_target, tmp_path, age_key
):
    env, target_connection = restore_target
    recipient, key_file = age_key
    archive = tmp_path / "nightly.tar.gz.age"

    call_command("backup", output=archive, encrypt_to=[recipient], verbosity=0)

    encrypted = archive.read_bytes()
    assert encrypted.startswith(b"age-encryption.org/v1\n")
    assert not tarfile.is_tarfile(archive)
    assert b"manifest.json" not in encrypted and IMAGE not in encrypted
    assert stat.S_IMODE(os.stat(archive).st_mode) == 0o600

    result = campusvoice(
        "restore", str(archive), env=env | {"CAMPUSVOICE_BACKUP_IDENTITY_FILE": str(key_file)}
    )

    assert result.returncode == 0, result.stderr
    engine = connection.vendor
    with _source_connection() as source:
        expected = _every_table(source, engine)
    with target_connection() as target:
        restored = _every_table(target, engine)
    assert set(restored) == set(expected)
    assert {table for table in expected if restored[table] != expected[table]} == set()
    assert expected["conversations_comment"][0] == 3
    assert (tmp_path / "restored" / "media" / some_of_everything.image.name).read_bytes() == IMAGE


@pytest.mark.django_db(transaction=True)
def test_it_refuses_an_encrypted_backup_with_the_wrong_identity_and_changes_nothing(
    some_of_everything, tmp_path, age_key, media_root
):
    recipient, _key_file = age_key
    archive = tmp_path / "nightly.tar.gz.age"
    call_command("backup", output=archive, encrypt_to=[recipient], verbosity=0)
    CommentFactory(text="written after the backup")
    other_key = tmp_path / "someone-elses-key.txt"
    other_key.write_text(f"{pyrage.x25519.Identity.generate()}\n")

    with pytest.raises(
        CommandError, match="cannot be decrypted with the identity given: it was encrypted to another"
    ):
        call_command("restore", str(archive), identity=other_key, yes=True, verbosity=0)

    with _source_connection() as source:
        assert _every_table(source, connection.vendor)["conversations_comment"][0] == 4
    assert (media_root / some_of_everything.image.name).read_bytes() == IMAGE


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_changed_or_cut_short_encrypted_backup_before_touching_anything(
    some_of_everything, tmp_path, age_key
):
    recipient, key_file = age_key
    archive, damaged, cut = (tmp_path / name for name in ("nightly.tar.gz.age", "damaged.age", "cut.age"))
    call_command("backup", output=archive, encrypt_to=[recipient], verbosity=0)
    data = bytearray(archive.read_bytes())
    cut.write_bytes(bytes(data[:-100]))
    data[len(data) // 2] ^= 1
    damaged.write_bytes(bytes(data))
    CommentFactory(text="written after the backup")

    for bad in (damaged, cut):
        with pytest.raises(CommandError, match="cannot be decrypted"):
            call_command("restore", str(bad), identity=key_file, yes=True, verbosity=0)

    with _source_connection() as source:
        assert _every_table(source, connection.vendor)["conversations_comment"][0] == 4


@pytest.mark.django_db(transaction=True)
def test_an_encrypted_backup_needs_its_identity_and_verifies_with_it(some_of_everything, tmp_path, age_key):
    recipient, key_file = age_key
    archive = tmp_path / "nightly.tar.gz.age"
    call_command("backup", output=archive, encrypt_to=[recipient], verbosity=0)

    with pytest.raises(CommandError, match="is encrypted: give the private key with --identity FILE"):
        call_command("restore", str(archive), identity=None, verify_only=True, verbosity=0)
    out = io.StringIO()
    call_command("restore", str(archive), identity=key_file, verify_only=True, stdout=out, verbosity=0)

    assert "is intact" in out.getvalue()


def test_it_refuses_a_recipient_that_is_not_a_public_key_and_writes_nothing(tmp_path, db):
    output = tmp_path / "nightly.tar.gz.age"

    with pytest.raises(CommandError, match="is not an age recipient"):
        call_command("backup", output=output, encrypt_to=["AGE-SECRET-KEY-1NOTAPUBLICKEY"], verbosity=0)

    assert list(tmp_path.iterdir()) == []


def test_a_bad_identity_file_is_named_by_line_without_quoting_it(tmp_path):
    key_file = tmp_path / "key.txt"
    key_file.write_text("# a comment\nAGE-SECRET-KEY-1SOMETHINGSECRETBUTBROKEN\n")

    with pytest.raises(BackupError, match=r"key.txt, line 2: not an age identity") as raised:
        backup_identities_read(key_file)

    assert "SOMETHINGSECRET" not in str(raised.value)


@pytest.mark.parametrize(
    "error",
    [OSError(errno.ENOSPC, "No space left on device"), sqlite3.OperationalError("database or disk is full")],
    ids=["file", "sqlite"],
)
def test_a_full_disk_is_one_clear_line_and_leaves_no_file(tmp_path, db, monkeypatch, error):
    # Found by hand on a 200 KB tmpfs: the command ended in a traceback. The real disk-full case
    # is in bench_faults' notes; here the error is raised where the staging copy is written.
    from campusvoice.ops import backup

    def full(*args, **kwargs):
        raise error

    monkeypatch.setattr(backup, "_dump_sqlite", full)
    monkeypatch.setattr(backup, "_dump_postgresql", full)
    archive = tmp_path / "nightly.tar.gz"
    with pytest.raises(
        CommandError, match="Not enough disk space to write .*nightly.tar.gz. Nothing was written"
    ):
        call_command("backup", output=archive, verbosity=0)
    assert list(tmp_path.iterdir()) == []
