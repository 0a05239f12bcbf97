"""HTTPS (`--tls`): a certificate for every real host the mock emulates, issued by a local CA it makes.

An SDK with a hard-coded base URL (`https://api.dots.dev`) reaches the mock through a hosts-file entry only
if the mock answers TLS for that name with a certificate the SDK trusts. So the mock keeps a CA of its own
in a directory (`--tls-dir`, MOCK_SERVER_TLS_DIR, else a per-user data directory) and a server certificate
signed by it. The CA is made once and kept, so a user trusts it once (curl --cacert, NODE_EXTRA_CA_CERTS,
REQUESTS_CA_BUNDLE, or the system store); the server certificate is issued again whenever the names it
must cover change, it nears its end, or the CA it was signed by is not the one in the directory.

Lifetimes: the CA 10 years (as mkcert's), so trusting it is rare; the server certificate 365 days, within
the 398 days browsers accept and the 825 that macOS accepts from a user-trusted root, issued again when
fewer than 30 days remain. Keys are ECDSA P-256: every TLS client has it, and it is made in a moment.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mock_server.base.config import Config
from mock_server.providers import REGISTRY

CA_CERT_FILE = "ca.pem"  # what a client is told to trust
CA_KEY_FILE = "ca-key.pem"
CERT_FILE = "server.pem"
KEY_FILE = "server-key.pem"
LOCK_FILE = ".lock"

CA_LIFETIME = datetime.timedelta(days=3650)
CERT_LIFETIME = datetime.timedelta(days=365)
RENEW_BEFORE = datetime.timedelta(days=30)
# A client whose clock runs a little behind still accepts a certificate issued a moment ago.
BACKDATE = datetime.timedelta(hours=1)
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")
ANY_ADDRESS = ("", "0.0.0.0", "::")
CA_NAME = "mock-server local CA"


@dataclass(frozen=True)
class TlsFiles:
    """Where the server's certificate and key are, and the CA certificate its clients should trust."""

    ca_cert: Path
    cert: Path
    key: Path


def default_directory(environ: Mapping[str, str] | None = None) -> Path:
    """The per-user data directory: $XDG_DATA_HOME/mock-server/tls, else ~/.local/share/mock-server/tls."""
    environ = os.environ if environ is None else environ
    data_home = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "mock-server" / "tls"


def directory_of(config: Config) -> Path:
    return Path(config.tls_dir).expanduser() if config.tls_dir else default_directory()


def ca_certificate_path(config: Config) -> Path:
    """The CA certificate a client trusts to reach this server over HTTPS."""
    return directory_of(config) / CA_CERT_FILE


def hosts_to_cover(config: Config) -> tuple[str, ...]:
    """Every real host of every provider (whichever are served: the certificate stays the same when
    --provider changes), the loopback names, and the address bound if it is a particular one."""
    names = [host for provider in REGISTRY.providers for host in provider.hosts]
    names += LOCAL_NAMES
    if config.host not in ANY_ADDRESS:
        names.append(config.host)
    return tuple(dict.fromkeys(_canonical(name) for name in names))


def _canonical(host: str) -> str:
    """A name in lower case, an address in its shortest form: as the certificate will hold it, so that
    comparing them tells whether it must be issued again."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host.lower()


def prepare(config: Config) -> TlsFiles:
    """The certificate files for `config`, made or renewed as needed. ValueError, with a one-line message,
    when the directory cannot be used."""
    return ensure_certificates(directory_of(config), hosts_to_cover(config))


def ensure_certificates(
    directory: Path, hosts: Sequence[str], now: datetime.datetime | None = None
) -> TlsFiles:
    """A CA in `directory` (kept when present and valid) and a server certificate for `hosts` signed by
    it (kept when it covers exactly `hosts`, is far from its end, and is signed by that CA)."""
    now = now or datetime.datetime.now(datetime.UTC)
    files = TlsFiles(directory / CA_CERT_FILE, directory / CERT_FILE, directory / KEY_FILE)
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        with _locked(directory):  # two servers starting at once must not each make a CA
            ca_cert, ca_key = _usable_ca(directory, now) or _new_ca(directory, now)
            if not _server_certificate_is_current(files, ca_cert, hosts, now):
                _issue_server_certificate(files, ca_cert, ca_key, hosts, now)
    except OSError as error:
        reason = error.strerror or str(error)
        raise ValueError(f"cannot use TLS directory {directory}: {reason}") from None
    return files


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; starting two servers at once is the user's race
        yield
        return
    with open(directory / LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _usable_ca(
    directory: Path, now: datetime.datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    """The CA in `directory`, if both files are there and it will outlive a server certificate issued now.
    A CA file that is there but not readable as one is refused, not overwritten: it may be one the user
    already trusts, or something else entirely."""
    cert_path, key_path = directory / CA_CERT_FILE, directory / CA_KEY_FILE
    if not cert_path.exists() and not key_path.exists():
        return None
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (ValueError, TypeError, FileNotFoundError):
        raise ValueError(
            f"{directory} holds a CA that cannot be read ({CA_CERT_FILE} and {CA_KEY_FILE}); "
            "remove them to make a new one, or choose another --tls-dir"
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != cert.public_key():
        raise ValueError(
            f"{directory}: {CA_KEY_FILE} is not the key of {CA_CERT_FILE}; "
            "remove both to make a new CA, or choose another --tls-dir"
        )
    if cert.not_valid_after_utc < now + CERT_LIFETIME:
        return None  # it ends before a certificate issued now would: a new CA, to be trusted again
    return cert, key


def _new_ca(directory: Path, now: datetime.datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mock-server"),
            # Unique per CA, so two CAs made on one machine are never confused in a trust store.
            x509.NameAttribute(NameOID.COMMON_NAME, f"{CA_NAME} {now:%Y-%m-%d} {os.urandom(4).hex()}"),
        ]
    )
    public_key = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write(directory / CA_KEY_FILE, _key_pem(key), private=True)
    _write(directory / CA_CERT_FILE, cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _server_certificate_is_current(
    files: TlsFiles, ca_cert: x509.Certificate, hosts: Sequence[str], now: datetime.datetime
) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
        key = serialization.load_pem_private_key(files.key.read_bytes(), password=None)
        cert.verify_directly_issued_by(ca_cert)
    except (OSError, ValueError, TypeError, InvalidSignature):
        return False  # missing, broken, or signed by another CA: issued again
    return (
        key.public_key() == cert.public_key()
        and certificate_hosts(cert) == set(hosts)
        and cert.not_valid_after_utc - now > RENEW_BEFORE
    )


def certificate_hosts(cert: x509.Certificate) -> set[str]:
    """The names and addresses a certificate covers (its subject alternative names), as text."""
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(name.value) for name in names}


def _issue_server_certificate(
    files: TlsFiles,
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    hosts: Sequence[str],
    now: datetime.datetime,
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    ca_public_key = ca_key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mock-server")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + CERT_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(list(_general_names(hosts))), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public_key), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write(files.key, _key_pem(key), private=True)
    _write(files.cert, cert.public_bytes(serialization.Encoding.PEM))


def _general_names(hosts: Iterable[str]) -> Iterator[x509.GeneralName]:
    for host in hosts:
        try:
            yield x509.IPAddress(ipaddress.ip_address(host))
        except ValueError:
            yield x509.DNSName(host)


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write whole or not at all (a temporary file renamed over `path`); a key readable by its owner only,
    from the moment it exists."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
        if private:
            os.chmod(temporary, 0o600)  # whatever the umask or a file left there before
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
