"""Backups: one archive with the database, the uploads and a manifest that proves both.

The archive is a gzipped tar whose first member is `manifest.json`:

    manifest.json      app version, engine, created-at, applied migrations, rows and a content
                       hash per table, size and sha256 of every other member
    database.pgdump    PostgreSQL: `pg_dump --format=custom`, taken in the very snapshot the
                       manifest's row counts and hashes were read from
    database.sqlite3   SQLite: a copy made with SQLite's online backup API (consistent while the
                       app keeps writing)
    media/…            every file under MEDIA_ROOT (campaign images)

A restore checks the manifest (engine, migrations no newer than the code), refuses a non-empty
database unless told to replace it, verifies every checksum before it touches anything, replaces
the database in one transaction, then re-reads every table and compares it with the manifest.

Encrypted backups are that archive as an age file (https://age-encryption.org, through pyrage), to
one or more recipients' public keys: written and read through a pipe, chunk by chunk, so neither
the archive nor its plaintext is ever held in memory, and only the holder of a private key (the
identity) can restore it. Each 64 KiB chunk is authenticated, so a changed byte fails the restore.
"""

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath

import pyrage
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.postgresql.client import DatabaseClient as PostgresClient
from django.db.migrations.loader import MigrationLoader

from campusvoice.errors import ApplicationError

FORMAT = "campusvoice-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# Tables a freshly migrated database already fills: rows there do not make a database "in use".
BOOKKEEPING_TABLES = {"django_migrations", "django_content_type", "auth_permission"}
FTS_SHADOW_TABLES = ("data", "idx", "content", "docsize", "config")
CHUNK = 1024 * 1024
_HASH_MODULUS = 2**256
# The first bytes of an age file, binary and ASCII-armoured.
AGE_HEADERS = (b"age-encryption.org/", b"-----BEGIN AGE ENCRYPTED FILE-----")


class BackupError(ApplicationError):
    """The backup or restore cannot go on; the message says why and what to do."""


class _NoProgress:
    """Stands in for tqdm when the caller shows no progress."""

    def __init__(self, *args, **kwargs):
        pass

    def update(self, n=1):
        pass

    def close(self):
        pass


Progress = Callable[..., object]


@dataclass
class RestoreReport:
    manifest: dict
    replaced: dict[str, int] = field(default_factory=dict)
    media_files: int = 0
    pending_migrations: list[str] = field(default_factory=list)


# Reading a database ------------------------------------------------------------------------------


def _engine(connection) -> str:
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    return vendor


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table_names(cursor, engine: str) -> list[str]:
    if engine == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return sorted(row[0] for row in cursor.fetchall())


def _row_text(row) -> bytes:
    return repr(tuple(bytes(value) if isinstance(value, memoryview) else value for value in row)).encode()


def table_stats(cursor, engine: str, *, progress: Progress = _NoProgress) -> dict[str, dict]:
    """Rows and a content hash for every table, read through a DB-API cursor.

    The hash is the sum of each row's sha256, so it ignores row order but not a changed, missing or
    repeated row. PostgreSQL renders each row as text on the server (`row::text`), so the hash does
    not depend on the client's type adapters; SQLite's values are plain Python values already.
    """
    tables = _table_names(cursor, engine)
    bar = progress(total=len(tables), desc="Reading tables", unit="table")
    stats = {}
    try:
        for table in tables:
            if engine == "postgresql":
                # Table names come from the catalogue and are quoted.
                cursor.execute(f"SELECT t::text FROM {_quote(table)} AS t")  # noqa: S608
            else:
                cursor.execute(f"SELECT * FROM {_quote(table)}")  # noqa: S608
            rows, total = 0, 0
            while batch := cursor.fetchmany(2000):
                for row in batch:
                    total = (total + int.from_bytes(hashlib.sha256(_row_text(row)).digest())) % _HASH_MODULUS
                    rows += 1
            stats[table] = {"rows": rows, "sha256": f"{total:064x}"}
            bar.update(1)
    finally:
        bar.close()
    return stats


def _applied_migrations(cursor, engine: str) -> dict[str, list[str]]:
    if "django_migrations" not in _table_names(cursor, engine):
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def database_contents(*, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows per table in the database, leaving out the tables `migrate` fills by itself."""
    connection = connections[using]
    engine = _engine(connection)
    with connection.cursor() as cursor:
        # Cached counters and puzzles (the database cache's table) are not data either.
        skip = {*BOOKKEEPING_TABLES, getattr(settings, "CACHE_TABLE", "")}
        if engine == "sqlite":
            # A full-text index has rows of its own from the start, and its virtual table only
            # mirrors the table it indexes.
            cursor.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'")
            for (virtual,) in cursor.fetchall():
                skip |= {virtual, *(f"{virtual}_{shadow}" for shadow in FTS_SHADOW_TABLES)}
        counts = {}
        for table in _table_names(cursor, engine):
            if table in skip:
                continue
            cursor.execute(f"SELECT count(*) FROM {_quote(table)}")  # noqa: S608 (quoted catalogue name)
            if rows := cursor.fetchone()[0]:
                counts[table] = rows
    return counts


def _media_files() -> list[tuple[Path, str]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return sorted(
        (path, path.relative_to(root).as_posix())
        for path in root.rglob("*")
        if path.is_file() and not path.is_symlink()
    )


def _code_migrations() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(migrations the code knows, including those a squash replaced; the code's latest ones)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for replaced in loader.replacements.values():
        known.update(replaced.replaces)
    return known, set(loader.graph.leaf_nodes())


# PostgreSQL client tools ---------------------------------------------------------------------------


def _major(version: str) -> int:
    return int(version.split(".")[0])


def _tool(name: str) -> tuple[str, str]:
    """The path and version of a PostgreSQL client tool."""
    path = shutil.which(name)
    if not path:
        raise BackupError(
            f"{name} is not installed; install the PostgreSQL client tools (postgresql-client)."
        )
    output = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    match = re.search(r"(\d+(?:\.\d+)?)", output)
    if not match:
        raise BackupError(f"Cannot tell the version of {name} from {output.strip()!r}.")
    return path, match.group(1)


def _pg_env(connection) -> dict[str, str]:
    """libpq's environment for the connection's database: no password on the command line."""
    settings_dict = connection.settings_dict
    _, env = PostgresClient.settings_to_cmd_args_env(settings_dict, [])
    env = {**os.environ, **(env or {})}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("NAME", "PGDATABASE")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env


def _server_version(cursor) -> str:
    cursor.execute("SHOW server_version")
    return cursor.fetchone()[0].split()[0]


# Files ------------------------------------------------------------------------------------------


def _sha256_copy(source, target: Path, *, bar) -> dict:
    """Copy a binary stream to `target`, returning its size and sha256."""
    digest, size = hashlib.sha256(), 0
    with open(target, "wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
            bar.update(len(chunk))
    return {"size": size, "sha256": digest.hexdigest()}


def _sha256_file(path: Path) -> dict:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


class _CountingReader:
    """A file wrapper that moves a progress bar as tarfile reads it."""

    def __init__(self, source, bar):
        self.source, self.bar = source, bar

    def read(self, size=-1):
        chunk = self.source.read(size)
        self.bar.update(len(chunk))
        return chunk


# Encryption -------------------------------------------------------------------------------------


def backup_recipients_parse(values: list[str]) -> list:
    """age recipients from public keys: `age1…` (age-keygen) or `ssh-ed25519 …`/`ssh-rsa …`.

    Raises BackupError naming the value that is neither.
    """
    recipients = []
    for value in values:
        value = value.strip()
        try:
            if value.startswith("age1"):
                recipients.append(pyrage.x25519.Recipient.from_str(value))
            elif value.startswith("ssh-"):
                recipients.append(pyrage.ssh.Recipient.from_str(value))
            else:
                raise pyrage.RecipientError("unknown kind of key")
        except pyrage.RecipientError as exc:
            # A public key, so it may be shown.
            raise BackupError(
                f"{value[:24]!r} is not an age recipient (age1…, from age-keygen) or an SSH public key: {exc}."
            ) from exc
    return recipients


def backup_identities_read(path: Path) -> list:
    """The private keys in an age identity file (AGE-SECRET-KEY-1… lines) or an SSH private key.

    Raises BackupError; the message never quotes the file's contents.
    """
    path = Path(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise BackupError(f"Cannot read the identity file {path}: {exc}.") from exc
    if "PRIVATE KEY-----" in text:
        try:
            return [pyrage.ssh.Identity.from_buffer(text.encode())]
        except pyrage.IdentityError as exc:
            raise BackupError(
                f"{path} is an SSH private key that cannot be used (one with a passphrase is not supported): {exc}."
            ) from exc
    identities = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            identities.append(pyrage.x25519.Identity.from_str(line))
        except pyrage.IdentityError as exc:
            raise BackupError(f"{path}, line {number}: not an age identity (AGE-SECRET-KEY-1…).") from exc
    if not identities:
        raise BackupError(f"{path} holds no age identity (AGE-SECRET-KEY-1… line).")
    return identities


def _is_encrypted(path: Path) -> bool:
    with open(path, "rb") as source:
        start = source.read(64)
    return start.startswith(AGE_HEADERS)


@contextlib.contextmanager
def _encrypting(target, recipients: list):
    """A file to write to; a thread encrypts what arrives into `target` with age, chunk by chunk."""
    read_fd, write_fd = os.pipe()
    failure: list[BaseException] = []

    def encrypt():
        try:
            with open(read_fd, "rb") as source:
                pyrage.encrypt_io(source, target, recipients)
        except Exception as exc:  # reported by the writer below
            failure.append(exc)

    thread = threading.Thread(target=encrypt, name="backup-encrypt", daemon=True)
    thread.start()
    sink = open(write_fd, "wb")
    broken = None
    try:
        yield sink
    except BrokenPipeError as exc:
        broken = exc  # the encrypter stopped: its own error is the one to report
    finally:
        with contextlib.suppress(BrokenPipeError):
            sink.close()  # the end of the plaintext: the encrypter writes its last chunk and stops
        thread.join()
    if failure:
        raise BackupError(f"Encrypting the backup failed: {failure[0]}.") from failure[0]
    if broken:
        raise broken


class _Decrypting:
    """The plaintext of an age file, decrypted by a thread while it is read (never all in memory).

    A wrong key, a changed byte or a cut-off file raises BackupError from read(): at once for a
    wrong key, at the damaged chunk otherwise, and at the end for a truncated file.
    """

    def __init__(self, path: Path, identities: list):
        self.path = path
        self.error: Exception | None = None
        read_fd, write_fd = os.pipe()
        self._pipe = open(read_fd, "rb")
        self._thread = threading.Thread(
            target=self._decrypt, args=(identities, write_fd), name="backup-decrypt", daemon=True
        )
        self._thread.start()

    def _decrypt(self, identities, write_fd):
        # The error is recorded before the pipe closes, so the reader sees it with the end of data.
        with contextlib.suppress(BrokenPipeError), open(write_fd, "wb") as sink:
            try:
                with open(self.path, "rb") as source:
                    pyrage.decrypt_io(source, sink, identities)
            except Exception as exc:
                self.error = exc

    def read(self, size=-1):
        data = self._pipe.read(size)
        if not data:
            self._thread.join()
            if self.error is not None:
                raise self._failure()
        return data

    def _failure(self) -> BackupError:
        error = self.error
        if isinstance(error, pyrage.DecryptError) and "no matching keys" in str(error).lower():
            return BackupError(
                f"{self.path} cannot be decrypted with the identity given: it was encrypted to another "
                "key. Nothing was changed."
            )
        return BackupError(f"{self.path} cannot be decrypted ({error}): it is damaged or cut short.")

    def finish(self) -> None:
        """Read to the end, so the last chunk is authenticated too."""
        while self.read(CHUNK):
            pass

    def close(self) -> None:
        self._pipe.close()  # a decrypter still writing gets a broken pipe and stops
        self._thread.join()


# Backup -----------------------------------------------------------------------------------------


def _app_version() -> str:
    try:
        return metadata.version("campusvoice")
    except metadata.PackageNotFoundError:
        return "unknown"


def _dump_postgresql(connection, target: Path, *, progress: Progress) -> tuple[dict, dict]:
    """pg_dump into `target` from a snapshot, and the snapshot's tables and migrations."""
    if connection.in_atomic_block:
        raise BackupError("A backup must run outside a database transaction.")
    pg_dump, client = _tool("pg_dump")
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # The manifest and the dump must describe the same moment: read both in one snapshot.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        server = _server_version(cursor)
        if _major(client) < _major(server):
            raise BackupError(
                f"pg_dump {client} cannot dump a PostgreSQL {server} server; install "
                f"postgresql-client-{_major(server)} or newer."
            )
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        tables = table_stats(cursor, "postgresql", progress=progress)
        migrations = _applied_migrations(cursor, "postgresql")
        bar = progress(total=None, desc="pg_dump", unit="B", unit_scale=True)
        # The archive is gzipped as a whole, so pg_dump does not compress twice.
        dump = subprocess.Popen(  # noqa: S603 (fixed argv; the connection comes from the environment)
            [
                pg_dump,
                "--format=custom",
                "--compress=0",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={target}",
            ],
            env=_pg_env(connection),
            stderr=subprocess.PIPE,
            text=True,
        )
        while dump.poll() is None:
            try:
                dump.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                pass
            if target.exists():
                bar.n = target.stat().st_size
                bar.update(0)
        bar.close()
        if dump.returncode:
            raise BackupError(f"pg_dump failed (exit {dump.returncode}): {dump.stderr.read().strip()}")
    database = {"file": "database.pgdump", "server_version": server, "pg_dump_version": client}
    return {"database": database, "tables": tables}, migrations


def _dump_sqlite(connection, target: Path, *, progress: Progress) -> tuple[dict, dict]:
    """Copy the database with SQLite's backup API, then read the copy's tables and migrations."""
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        # One step (pages=-1): the copy is a single consistent read, and writers in WAL mode carry
        # on meanwhile. Stepwise copies restart whenever another connection writes.
        connection.connection.backup(copy)
    finally:
        copy.close()
    snapshot = sqlite3.connect(target)
    try:
        cursor = snapshot.cursor()
        tables = table_stats(cursor, "sqlite", progress=progress)
        migrations = _applied_migrations(cursor, "sqlite")
        version = sqlite3.sqlite_version
    finally:
        snapshot.close()
    return {"database": {"file": "database.sqlite3", "sqlite_version": version}, "tables": tables}, migrations


def backup_create(
    *,
    output: Path,
    using: str = DEFAULT_DB_ALIAS,
    progress: Progress = _NoProgress,
    recipients: list | None = None,
) -> dict:
    """Write a backup archive of the database and MEDIA_ROOT to `output`; returns its manifest.

    The file appears only when complete (written beside it, then renamed) and only its owner may
    read it: it holds every comment and supporter. With `recipients` (backup_recipients_parse) the
    archive is written as an age file only their private keys open. Raises BackupError.
    """
    output = Path(output)
    if output.exists():
        raise BackupError(f"{output} already exists; choose another --output or remove it.")
    if not output.parent.is_dir():
        raise BackupError(f"The folder {output.parent} does not exist.")
    connection = connections[using]
    engine = _engine(connection)
    created_at = datetime.now(UTC).isoformat(timespec="seconds")

    # Staged beside the output: the database copy may be large, and /tmp may be small or in memory.
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".campusvoice-backup-") as staging:
        staging = Path(staging)
        dump = _dump_postgresql if engine == "postgresql" else _dump_sqlite
        database_part, migrations = dump(connection, staging / "database", progress=progress)
        database_file = database_part["database"]["file"]
        (staging / "database").rename(staging / database_file)
        files = {database_file: _sha256_file(staging / database_file)}

        # Media are copied while hashed, so the archive holds exactly the bytes the manifest names.
        media = _media_files()
        bar = progress(
            total=sum(path.stat().st_size for path, _ in media), desc="Media", unit="B", unit_scale=True
        )
        for path, name in media:
            staged = staging / "media" / name
            staged.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "rb") as source:
                files[f"media/{name}"] = _sha256_copy(source, staged, bar=bar)
        bar.close()

        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "app_version": _app_version(),
            "created_at": created_at,
            "engine": engine,
            **database_part,
            "migrations": migrations,
            "files": files,
        }
        partial = output.with_name(f".{output.name}.partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            total = sum(entry["size"] for entry in files.values())
            bar = progress(total=total, desc="Writing archive", unit="B", unit_scale=True)
            with (
                os.fdopen(descriptor, "wb") as raw,
                _encrypting(raw, recipients) if recipients else contextlib.nullcontext(raw) as sink,
                tarfile.open(fileobj=sink, mode="w:gz") as archive,
            ):
                body = json.dumps(manifest, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(body), int(datetime.now(UTC).timestamp()), 0o600
                archive.addfile(info, io.BytesIO(body))
                for name in files:
                    info = archive.gettarinfo(staging / name, arcname=name)
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    with open(staging / name, "rb") as source:
                        archive.addfile(info, _CountingReader(source, bar))
            bar.close()
            partial.rename(output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return manifest


# Restore ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def _open_archive(path: Path, identities: list | None = None):
    """(the archive read as a stream, a callable that reads the file to its end).

    An age-encrypted file is decrypted while it is read, with `identities`.
    """
    try:
        encrypted = _is_encrypted(path)
    except FileNotFoundError as exc:
        raise BackupError(f"{path} does not exist.") from exc
    except OSError as exc:
        raise BackupError(f"Cannot read {path}: {exc}.") from exc
    if encrypted and not identities:
        raise BackupError(
            f"{path} is encrypted: give the private key with --identity FILE or "
            "CAMPUSVOICE_BACKUP_IDENTITY_FILE."
        )
    source = _Decrypting(path, identities) if encrypted else None
    try:
        try:
            archive = (
                tarfile.open(path, mode="r|*") if source is None else tarfile.open(fileobj=source, mode="r|*")
            )
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(f"{path} is not a campusvoice backup (not a tar archive: {exc}).") from exc
        with archive:
            yield archive, (source.finish if source else lambda: None)
    finally:
        if source is not None:
            source.close()


def _read_manifest(archive: tarfile.TarFile, path: Path) -> dict:
    try:
        member = archive.next()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{path} is damaged: {exc}.") from exc
    if member is None or member.name != MANIFEST or not member.isfile():
        raise BackupError(f"{path} is not a campusvoice backup: it does not start with {MANIFEST}.")
    try:
        manifest = json.loads(archive.extractfile(member).read())
    except ValueError as exc:
        raise BackupError(f"{path}: {MANIFEST} is not valid JSON ({exc}).") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a campusvoice backup (format {manifest.get('format')!r}).")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{path} is a version {manifest.get('format_version')} backup; this campusvoice reads "
            f"version {FORMAT_VERSION}."
        )
    return manifest


def backup_manifest_read(*, path: Path, identities: list | None = None) -> dict:
    """The manifest of a backup archive, after checking that it is one."""
    with _open_archive(Path(path), identities) as (archive, _finish):
        return _read_manifest(archive, Path(path))


def _check_compatible(manifest: dict, *, engine: str, path: Path) -> list[str]:
    """Refuse a backup of another engine or with migrations the code lacks; list pending ones."""
    if manifest["engine"] != engine:
        raise BackupError(
            f"{path} is a {manifest['engine']} backup and this database is {engine}; restore it into "
            f"a {manifest['engine']} database (DATABASE_URL)."
        )
    known, leaves = _code_migrations()
    applied = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    newer = sorted(applied - known)
    if newer:
        listed = ", ".join(f"{app}.{name}" for app, name in newer[:10])
        raise BackupError(
            f"{path} was made by newer code (version {manifest['app_version']}): its database has "
            f"migrations this code does not know ({listed}). Install that version, or a later one, "
            "before restoring."
        )
    return sorted(f"{app}.{name}" for app, name in leaves - applied)


def _describe_overwrite(contents: dict[str, int], media: int, *, connection) -> str:
    name = connection.settings_dict["NAME"]
    biggest = sorted(contents.items(), key=lambda item: -item[1])[:8]
    tables = ", ".join(f"{table} ({rows} rows)" for table, rows in biggest)
    more = f" and {len(contents) - len(biggest)} more tables" if len(contents) > len(biggest) else ""
    parts = []
    if contents:
        parts.append(f"{sum(contents.values())} rows in {len(contents)} tables: {tables}{more}")
    if media:
        parts.append(f"{media} uploaded files in {settings.MEDIA_ROOT}")
    return f"The database {name} is not empty. Restoring replaces all of it: " + "; ".join(parts) + "."


def _extract_verified(archive: tarfile.TarFile, manifest: dict, staging: Path, *, path, progress) -> None:
    """Extract every member into `staging`, refusing anything unlisted, unsafe or damaged."""
    files = manifest["files"]
    seen = set()
    bar = progress(
        total=sum(entry["size"] for entry in files.values()),
        desc="Checking archive",
        unit="B",
        unit_scale=True,
    )
    try:
        for member in archive:
            if member.name == MANIFEST and member.offset == 0:
                continue  # read already: iterating a streamed archive starts again at its first member
            name = PurePosixPath(member.name)
            if member.name not in files or name.is_absolute() or ".." in name.parts or not member.isfile():
                raise BackupError(
                    f"{path} holds {member.name!r}, which its manifest does not list; refusing it."
                )
            target = staging / member.name
            target.parent.mkdir(parents=True, exist_ok=True)
            found = _sha256_copy(archive.extractfile(member), target, bar=bar)
            if found != files[member.name]:
                raise BackupError(f"{path} is damaged: {member.name} does not match its checksum.")
            seen.add(member.name)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{path} is damaged or truncated: {exc}.") from exc
    finally:
        bar.close()
    if missing := sorted(set(files) - seen):
        raise BackupError(f"{path} is incomplete: {', '.join(missing[:5])} missing.")


def _restore_sqlite(connection, source: Path, *, progress) -> None:
    target = connection.settings_dict["NAME"]
    if str(target).startswith("file:") or str(target) == ":memory:":
        raise BackupError("Restoring needs an SQLite database file, not an in-memory database.")
    connection.close()
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    bar = progress(total=None, desc="Restoring database", unit="page")

    def on_step(status, remaining, total):
        bar.total = total
        bar.n = total - remaining
        bar.update(0)

    try:
        # The backup API replaces the whole target database in one write transaction.
        src.backup(dst, pages=4096, progress=on_step)
    finally:
        bar.close()
        src.close()
        dst.close()


def _restore_postgresql(connection, source: Path, manifest: dict, *, progress) -> None:
    pg_restore, restore_tool = _tool("pg_restore")
    psql_path, _ = _tool("psql")
    made_with = manifest["database"]["pg_dump_version"]
    if _major(restore_tool) < _major(made_with):
        raise BackupError(
            f"The backup was made with pg_dump {made_with}; pg_restore {restore_tool} cannot read it. "
            f"Install postgresql-client-{_major(made_with)} or newer."
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname = current_schema()"
        )
        tables = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT format('%I.%I', schemaname, viewname) FROM pg_views WHERE schemaname = current_schema()"
        )
        views = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences WHERE schemaname = current_schema()"
        )
        sequences = [row[0] for row in cursor.fetchall()]
    connection.close()
    drops = []
    if views:
        drops.append(f"DROP VIEW IF EXISTS {', '.join(views)} CASCADE;")
    if tables:
        drops.append(f"DROP TABLE IF EXISTS {', '.join(tables)} CASCADE;")
    if sequences:
        drops.append(f"DROP SEQUENCE IF EXISTS {', '.join(sequences)} CASCADE;")

    env = _pg_env(connection)
    listing = subprocess.run(  # noqa: S603
        [pg_restore, "--list", str(source)], capture_output=True, text=True, env=env, check=False
    )
    if listing.returncode:
        raise BackupError(f"pg_restore cannot read the dump: {listing.stderr.strip()}")
    table_data = sum(1 for line in listing.stdout.splitlines() if " TABLE DATA " in line)

    # The old contents are dropped and the dump loaded in ONE transaction: if anything fails, the
    # database is left exactly as it was.
    restore = subprocess.Popen(  # noqa: S603
        [pg_restore, "--no-owner", "--no-privileges", "--verbose", "--file=-", str(source)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    psql_argv = [psql_path, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction"]
    for statement in drops:
        psql_argv += ["--command", statement]
    psql = subprocess.Popen(  # noqa: S603
        [*psql_argv, "--file=-"],
        env=env,
        stdin=restore.stdout,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    restore.stdout.close()
    psql_errors: list[str] = []
    reader = threading.Thread(target=lambda: psql_errors.extend(psql.stderr), daemon=True)
    reader.start()
    bar = progress(total=table_data, desc="Restoring tables", unit="table")
    restore_errors = []
    for line in restore.stderr:
        if "processing data for table" in line:
            bar.update(1)
        elif "error" in line.lower():
            restore_errors.append(line.strip())
    bar.close()
    restore.wait()
    psql.wait()
    reader.join()
    if restore.returncode or psql.returncode:
        # DETAIL lines quote the offending row's values: keep personal data off the terminal.
        errors = [
            line.strip() for line in [*restore_errors, *psql_errors] if not line.lstrip().startswith("DETAIL")
        ]
        raise BackupError(
            "The restore failed and the database was left as it was: " + " ".join(errors[:5])[:1000]
        )


def _replace_media(staged: Path) -> int:
    root = Path(settings.MEDIA_ROOT)
    incoming = staged if staged.is_dir() else None
    previous = root.with_name(f".{root.name}.before-restore")
    shutil.rmtree(previous, ignore_errors=True)
    if root.exists():
        root.rename(previous)
    if incoming:
        shutil.move(incoming, root)
    else:
        root.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(previous, ignore_errors=True)
    return sum(1 for path in root.rglob("*") if path.is_file())


def _verify(connection, manifest: dict, *, progress) -> None:
    engine = manifest["engine"]
    if engine == "sqlite":
        reader = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            found = table_stats(reader.cursor(), engine, progress=progress)
        finally:
            reader.close()
    else:
        with connection.cursor() as cursor:
            found = table_stats(cursor, engine, progress=progress)
    expected = manifest["tables"]
    wrong = sorted(table for table in set(expected) | set(found) if expected.get(table) != found.get(table))
    if wrong:
        raise BackupError(
            "The restored database does not match the backup's manifest in these tables: "
            + ", ".join(wrong[:10])
            + ". Restore again before starting campusvoice."
        )
    root = Path(settings.MEDIA_ROOT)
    for name, entry in manifest["files"].items():
        if name.startswith("media/") and _sha256_file(root / name.removeprefix("media/")) != entry:
            raise BackupError(f"The restored upload {name} does not match the backup; restore again.")


def backup_restore(
    *,
    path: Path,
    using: str = DEFAULT_DB_ALIAS,
    replace: bool = False,
    confirm: Callable[[str], bool] | None = None,
    verify_only: bool = False,
    progress: Progress = _NoProgress,
    identities: list | None = None,
) -> RestoreReport:
    """Replace the database and MEDIA_ROOT with the contents of a backup archive, then verify them.

    A database that holds rows (beyond what `migrate` writes) or uploads is replaced only when
    `replace` is true or `confirm(description)` returns true. Every checksum is verified before
    anything changes; `verify_only` stops there. An encrypted archive needs `identities`
    (backup_identities_read). Raises BackupError, naming the problem.
    """
    path = Path(path)
    connection = connections[using]
    engine = _engine(connection)
    name = str(connection.settings_dict["NAME"])
    if engine == "sqlite" and not (name.startswith("file:") or name == ":memory:"):
        # A new machine: the var folder may not exist yet.
        Path(name).parent.mkdir(parents=True, exist_ok=True)
    with _open_archive(path, identities) as (archive, finish):
        manifest = _read_manifest(archive, path)
        pending = _check_compatible(manifest, engine=engine, path=path)
        report = RestoreReport(manifest=manifest, pending_migrations=pending)

        if not verify_only:
            contents = database_contents(using=using)
            media = len(_media_files())
            if contents or media:
                description = _describe_overwrite(contents, media, connection=connection)
                if not (replace or (confirm and confirm(description))):
                    raise BackupError(
                        description + " Nothing was changed; run again with --yes to replace it."
                    )
                report.replaced = contents

        # Staged beside MEDIA_ROOT, so the new uploads move into place with a rename.
        media_parent = Path(settings.MEDIA_ROOT).parent
        media_parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=media_parent, prefix=".campusvoice-restore-") as staging:
            staging = Path(staging)
            _extract_verified(archive, manifest, staging, path=path, progress=progress)
            finish()  # an encrypted file is authenticated to its last byte before anything changes
            if verify_only:
                return report
            database = staging / manifest["database"]["file"]
            if engine == "sqlite":
                _restore_sqlite(connection, database, progress=progress)
            else:
                _restore_postgresql(connection, database, manifest, progress=progress)
            report.media_files = _replace_media(staging / "media")
    _verify(connection, manifest, progress=progress)
    return report
