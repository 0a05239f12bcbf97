"""HTTPS (`--tls`): an SDK with a hard-coded `https://api.dots.dev` reaches the mock through a hosts entry,
trusting the CA the mock made and named in its banner. Checked over a real process with curl, Python
(requests and the standard library's ssl) and Node, each trusting the CA the way docs/tls.md says; and,
on tls.py itself, which names the certificate covers and when the CA and certificate are kept or renewed."""

from __future__ import annotations

import base64
import datetime
import http.client
import json
import os
import shutil
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from requests.adapters import HTTPAdapter

from mock_server import tls
from mock_server.base.config import Config
from mock_server.providers import REGISTRY
from tests.conftest import free_port
from tests.dakota.helpers import unauthorized as dakota_unauthorized
from tests.dots.helpers import error as dots_error
from tests.dots.helpers import person as dots_person
from tests.processes import stop_process

CURL = "/usr/bin/curl"
STARTUP_SECONDS = 20
CURL_CERTIFICATE_PROBLEM = 60  # curl's exit status when the peer's certificate cannot be verified


class TlsServer:
    """`python -m mock_server --tls` in a child process, on a free port, ready once it answers HTTPS."""

    def __init__(self, tls_dir: Path, *args: str) -> None:
        self.port = free_port()
        self.ca = tls_dir / "ca.pem"
        self.log = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe nobody drains
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mock_server",
                "--tls",
                "--tls-dir",
                str(tls_dir),
                "--port",
                str(self.port),
            ]
            + list(args),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.output()}")
            try:
                if self.ca.exists():
                    requests.get(f"https://127.0.0.1:{self.port}/__admin/health", verify=self.ca, timeout=0.5)
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"server did not answer HTTPS in time: {self.output()}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> str:
        stop_process(self.process)
        output = self.output()
        self.log.close()
        return output


@pytest.fixture(scope="module")
def tls_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tls")


@pytest.fixture(scope="module")
def dakota_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def server(tls_dir, dakota_port) -> Iterator[TlsServer]:
    started = TlsServer(tls_dir, "--provider-ports", f"dakota={dakota_port}")
    try:
        yield started
    finally:
        started.stop()


def dots_auth(client_id: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:sk_dev_secret".encode()).decode()


def curl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CURL, "--silent", "--show-error", *args], capture_output=True, text=True, timeout=30
    )


# --- over a real process -------------------------------------------------------------------------------


def test_the_banner_says_https_and_names_the_ca_to_trust(server, tls_dir):
    banner = server.output()
    assert f"mock-server listening on https://127.0.0.1:{server.port}" in banner
    assert f"https://127.0.0.1:{server.port}/dots/api/v2/users" in banner
    assert f"trust the CA certificate {tls_dir / 'ca.pem'}" in banner
    assert "http://" not in banner


def test_curl_trusting_the_ca_creates_a_dots_user_at_its_real_host_name(server, unique_client):
    origin = f"https://api.dots.dev:{server.port}"
    body = dots_person(1)
    created = curl(
        "--cacert", str(server.ca),
        "--resolve", f"api.dots.dev:{server.port}:127.0.0.1",  # what a hosts-file entry does
        "--header", f"Authorization: {dots_auth(unique_client)}",
        "--json", json.dumps(body),
        f"{origin}/api/v2/users",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    user = json.loads(created.stdout)
    assert user["email"] == body["email"]
    # The same user at the prefix on the same server: the real host name reached Dots, not a stub.
    read = requests.get(
        f"https://127.0.0.1:{server.port}/dots/api/v2/users/{user['id']}",
        headers={"Authorization": dots_auth(unique_client)},
        verify=server.ca,
        timeout=10,
    )
    assert read.status_code == 200
    assert read.json() == user


def test_curl_gets_dots_own_auth_error_over_https(server):
    answer = curl(
        "--cacert", str(server.ca),
        "--resolve", f"api.dots.dev:{server.port}:127.0.0.1",
        "--write-out", "\n%{http_code} %{http_version}",
        f"https://api.dots.dev:{server.port}/api/v2/users",
    )  # fmt: skip
    assert answer.returncode == 0, answer.stderr
    body, status = answer.stdout.rsplit("\n", 1)
    # HTTP/1.1 although curl offers HTTP/2: an HTTP/2 request has no Host header to route by.
    assert status == "401 1.1"
    assert json.loads(body) == dots_error("unauthorized", "Missing Authorization header.")


def test_curl_without_the_ca_refuses_the_certificate(server):
    answer = curl(
        "--resolve", f"api.dots.dev:{server.port}:127.0.0.1",
        f"https://api.dots.dev:{server.port}/api/v2/users",
    )  # fmt: skip
    assert answer.returncode == CURL_CERTIFICATE_PROBLEM, (answer.returncode, answer.stderr)


def test_curl_for_a_host_the_certificate_does_not_name_is_refused(server):
    answer = curl(
        "--cacert", str(server.ca),
        "--resolve", f"api.example.com:{server.port}:127.0.0.1",
        f"https://api.example.com:{server.port}/",
    )  # fmt: skip
    assert answer.returncode == CURL_CERTIFICATE_PROBLEM, (answer.returncode, answer.stderr)


def test_requests_trusting_the_ca_reaches_localhost(server):
    health = requests.get(f"https://localhost:{server.port}/__admin/health", verify=server.ca, timeout=10)
    assert health.status_code == 200
    assert health.json()["status"] == "ok"


def test_requests_without_the_ca_refuses_the_certificate(server):
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"https://localhost:{server.port}/__admin/health", timeout=10)


class RealHostAdapter(HTTPAdapter):
    """Connects to 127.0.0.1 but verifies the certificate for (and sends SNI of) `host_name`: what a
    hosts-file entry does for an SDK, without touching the machine's hosts file."""

    def __init__(self, host_name: str) -> None:
        self.host_name = host_name
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:
        kwargs["server_hostname"] = self.host_name
        super().init_poolmanager(*args, **kwargs)


def test_requests_trusting_the_ca_reaches_dakota_by_its_real_host_name(server, unique_client):
    session = requests.Session()
    session.mount("https://", RealHostAdapter("api.platform.dakota.xyz"))
    answer = session.get(
        f"https://127.0.0.1:{server.port}/users",
        headers={"Host": "api.platform.dakota.xyz"},
        verify=server.ca,
        timeout=10,
    )
    assert answer.status_code == 401
    assert answer.json() == dakota_unauthorized(request_id=answer.json()["request_id"])


def test_the_standard_librarys_ssl_verifies_a_real_host_name_by_sni(server):
    context = ssl.create_default_context(cafile=str(server.ca))  # checks the host name, as SDKs do
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    connection = http.client.HTTPSConnection("api.wealthyhood.com", server.port, context=context, timeout=10)
    try:
        connection.sock = context.wrap_socket(raw, server_hostname="api.wealthyhood.com")
        assert "api.wealthyhood.com" in tls.certificate_hosts(
            x509.load_der_x509_certificate(connection.sock.getpeercert(binary_form=True))
        )
        connection.request("GET", "/users/me", headers={"Host": "api.wealthyhood.com"})
        answer = connection.getresponse()
        assert answer.status == 401
        assert set(json.loads(answer.read())) == {"message", "code"}  # Wealthyhood's error shape
    finally:
        connection.close()


def test_the_standard_librarys_ssl_refuses_a_name_the_certificate_lacks(server):
    context = ssl.create_default_context(cafile=str(server.ca))
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        with pytest.raises(ssl.SSLCertVerificationError):
            context.wrap_socket(raw, server_hostname="api.example.com")


def test_a_providers_own_port_serves_https_too(server, dakota_port):
    answer = requests.get(f"https://localhost:{dakota_port}/users", verify=server.ca, timeout=10)
    assert answer.status_code == 401
    assert answer.json() == dakota_unauthorized(request_id=answer.json()["request_id"])


NODE_CLIENT = r"""
// As an SDK with https://api.dots.dev hard-coded, where a hosts entry sends that name to 127.0.0.1.
const https = require("https");
const [port, authorization, body] = process.argv.slice(1);
const toLoopback = (host, options, done) =>
  options && options.all ? done(null, [{ address: "127.0.0.1", family: 4 }]) : done(null, "127.0.0.1", 4);
const request = https.request(
  `https://api.dots.dev:${port}/api/v2/users`,
  { method: "POST", lookup: toLoopback, headers: { authorization, "content-type": "application/json" } },
  (response) => {
    let text = "";
    response.on("data", (chunk) => (text += chunk));
    response.on("end", () => console.log(JSON.stringify({ status: response.statusCode, body: text })));
  },
);
request.on("error", (error) => {
  console.log(JSON.stringify({ error: error.code || error.message }));
});
request.end(body);
"""


def node_executable() -> str:
    """Node, to run an https client as a Node SDK does; skipped without it, but never in CI."""
    found = shutil.which("node") or (Path("/usr/bin/node").exists() and "/usr/bin/node") or None
    if not found:
        if os.environ.get("CI"):
            pytest.fail(
                "node is not installed; the TLS tests run a Node https client (apt-get install nodejs)"
            )
        pytest.skip("node is not installed (apt-get install nodejs)")
    return found


def run_node(server: TlsServer, client_id: str, body: dict, *, trust_ca: bool) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "NODE_EXTRA_CA_CERTS"}
    if trust_ca:
        env["NODE_EXTRA_CA_CERTS"] = str(server.ca)  # the CA the banner names, as docs/tls.md says
    command = [node_executable(), "-e", NODE_CLIENT, str(server.port), dots_auth(client_id), json.dumps(body)]
    finished = subprocess.run(command, capture_output=True, text=True, env=env, timeout=30)
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout)


def test_node_trusting_the_ca_creates_a_dots_user_at_its_real_host_name(server, unique_client):
    body = dots_person(2)
    answer = run_node(server, unique_client, body, trust_ca=True)
    assert answer.get("status") == 200, answer
    assert json.loads(answer["body"])["email"] == body["email"]


def test_node_without_the_ca_refuses_the_certificate(server, unique_client):
    answer = run_node(server, unique_client, dots_person(3), trust_ca=False)
    assert answer == {"error": "UNABLE_TO_VERIFY_LEAF_SIGNATURE"}


def test_the_ca_is_kept_across_starts_so_it_is_trusted_once(tmp_path):
    first = TlsServer(tmp_path)
    try:
        ca_before = (tmp_path / "ca.pem").read_bytes()
        key_before = (tmp_path / "ca-key.pem").read_bytes()
        cert_before = (tmp_path / "server.pem").read_bytes()
    finally:
        first.stop()
    trusted = tmp_path.parent / f"{tmp_path.name}-trusted-ca.pem"
    trusted.write_bytes(ca_before)  # the CA as a user copied it into a trust store at the first start
    second = TlsServer(tmp_path)
    try:
        health = requests.get(f"https://localhost:{second.port}/__admin/health", verify=trusted, timeout=10)
        assert health.status_code == 200
    finally:
        second.stop()
    assert (tmp_path / "ca.pem").read_bytes() == ca_before
    assert (tmp_path / "ca-key.pem").read_bytes() == key_before
    assert (tmp_path / "server.pem").read_bytes() == cert_before  # nothing changed: nothing issued again


def test_an_unusable_tls_dir_stops_the_command_in_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "mock_server",
            "--tls",
            "--tls-dir",
            str(blocker / "tls"),
            "--port",
            str(free_port()),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 2
    assert finished.stdout == ""  # no banner for a server that will not start
    assert finished.stderr == f"mock-server: cannot use TLS directory {blocker / 'tls'}: Not a directory\n"


# --- tls.py --------------------------------------------------------------------------------------------

NOW = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
HOSTS = ("api.dots.dev", "localhost", "127.0.0.1", "::1")


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_the_certificate_covers_every_providers_real_host_and_the_loopback_names(tmp_path):
    files = tls.prepare(Config(tls=True, tls_dir=str(tmp_path)))
    covered = tls.certificate_hosts(load(files.cert))
    every_real_host = {host for provider in REGISTRY.providers for host in provider.hosts}
    assert len(every_real_host) >= 7  # Dots (3 names), Wealthyhood (2), Dakota (2)
    assert covered == every_real_host | {"localhost", "127.0.0.1", "::1"}


def test_the_certificate_is_a_server_certificate_signed_by_the_ca(tmp_path):
    files = tls.ensure_certificates(tmp_path, HOSTS, NOW)
    ca, cert = load(files.ca_cert), load(files.cert)
    cert.verify_directly_issued_by(ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usages) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert cert.not_valid_after_utc - NOW == tls.CERT_LIFETIME


def test_a_particular_bound_address_is_covered_too(tmp_path):
    config = Config(tls=True, tls_dir=str(tmp_path), host="10.1.2.3")
    assert "10.1.2.3" in tls.certificate_hosts(load(tls.prepare(config).cert))
    assert "0.0.0.0" not in tls.hosts_to_cover(Config(host="0.0.0.0"))


def test_the_keys_are_readable_by_their_owner_only(tmp_path):
    tls.ensure_certificates(tmp_path / "tls", HOSTS, NOW)
    for name in ("ca-key.pem", "server-key.pem"):
        assert stat.S_IMODE((tmp_path / "tls" / name).stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "tls").stat().st_mode) == 0o700


def test_a_second_start_changes_nothing(tmp_path):
    tls.ensure_certificates(tmp_path, HOSTS, NOW)
    before = {path.name: path.read_bytes() for path in tmp_path.glob("*.pem")}
    tls.ensure_certificates(tmp_path, HOSTS, NOW + datetime.timedelta(days=300))
    assert {path.name: path.read_bytes() for path in tmp_path.glob("*.pem")} == before


def test_new_hosts_get_a_new_certificate_from_the_same_ca(tmp_path):
    files = tls.ensure_certificates(tmp_path, HOSTS, NOW)
    ca_before, cert_before = files.ca_cert.read_bytes(), files.cert.read_bytes()
    tls.ensure_certificates(tmp_path, (*HOSTS, "api.new-provider.example"), NOW)
    assert files.ca_cert.read_bytes() == ca_before
    assert files.cert.read_bytes() != cert_before
    assert "api.new-provider.example" in tls.certificate_hosts(load(files.cert))


def test_a_certificate_near_its_end_is_issued_again(tmp_path):
    files = tls.ensure_certificates(tmp_path, HOSTS, NOW)
    ca_before = files.ca_cert.read_bytes()
    near_the_end = NOW + tls.CERT_LIFETIME - tls.RENEW_BEFORE + datetime.timedelta(days=1)
    tls.ensure_certificates(tmp_path, HOSTS, near_the_end)
    assert load(files.cert).not_valid_after_utc == near_the_end + tls.CERT_LIFETIME
    assert files.ca_cert.read_bytes() == ca_before


def test_a_certificate_from_another_ca_is_issued_again(tmp_path):
    tls.ensure_certificates(tmp_path / "one", HOSTS, NOW)
    files = tls.ensure_certificates(tmp_path / "two", HOSTS, NOW)
    shutil.copy(tmp_path / "one" / "server.pem", files.cert)
    shutil.copy(tmp_path / "one" / "server-key.pem", files.key)
    tls.ensure_certificates(tmp_path / "two", HOSTS, NOW)
    load(files.cert).verify_directly_issued_by(load(files.ca_cert))


def test_a_ca_that_would_end_before_its_certificate_is_made_anew(tmp_path):
    files = tls.ensure_certificates(tmp_path, HOSTS, NOW)
    ca_before = files.ca_cert.read_bytes()
    late = NOW + tls.CA_LIFETIME - tls.CERT_LIFETIME + datetime.timedelta(days=1)
    tls.ensure_certificates(tmp_path, HOSTS, late)
    assert files.ca_cert.read_bytes() != ca_before
    load(files.cert).verify_directly_issued_by(load(files.ca_cert))


def test_a_ca_that_cannot_be_read_is_refused_not_overwritten(tmp_path):
    (tmp_path / "ca.pem").write_text("not a certificate")
    with pytest.raises(ValueError, match=r"holds a CA that cannot be read .*choose another --tls-dir$"):
        tls.ensure_certificates(tmp_path, HOSTS, NOW)
    assert (tmp_path / "ca.pem").read_text() == "not a certificate"


def test_a_ca_key_of_another_ca_is_refused(tmp_path):
    tls.ensure_certificates(tmp_path / "one", HOSTS, NOW)
    tls.ensure_certificates(tmp_path / "two", HOSTS, NOW)
    shutil.copy(tmp_path / "one" / "ca-key.pem", tmp_path / "two" / "ca-key.pem")
    with pytest.raises(ValueError, match="ca-key.pem is not the key of ca.pem"):
        tls.ensure_certificates(tmp_path / "two", HOSTS, NOW)


def test_the_default_directory_is_per_user_data():
    assert tls.default_directory({"XDG_DATA_HOME": "/data"}) == Path("/data/mock-server/tls")
    assert tls.default_directory({}) == Path.home() / ".local/share/mock-server/tls"
    assert tls.ca_certificate_path(Config(tls_dir="/somewhere")) == Path("/somewhere/ca.pem")


def test_tls_is_read_from_the_environment_too():
    config = REGISTRY.config_from_env({"MOCK_SERVER_TLS": "true", "MOCK_SERVER_TLS_DIR": "/x"})
    assert config.tls is True
    assert config.tls_dir == "/x"


def test_the_docs_name_every_host_the_certificate_covers():
    page = (Path(__file__).resolve().parent.parent / "docs" / "tls.md").read_text(encoding="utf-8")
    for host in tls.hosts_to_cover(Config()):
        assert f"`{host}`" in page, host
