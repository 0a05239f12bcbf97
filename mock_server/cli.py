"""The `mock-server` command; with no subcommand it serves."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import NoReturn

from mock_server import serve
from mock_server.app import create_app
from mock_server.base.config import ENV_PREFIX, default_threads
from mock_server.core import speedups
from mock_server.fixtures import BUNDLED_FIXTURES, FakerMissing, generate_fixtures
from mock_server.providers import REGISTRY

SUBCOMMANDS = ("serve", "fixtures")
TOP_LEVEL_OPTIONS = ("-h", "--help", "--version")
# The distribution's name on PyPI, then its name before it was renamed.
DISTRIBUTIONS = ("fintech-mock-server", "mock-server")


class OneLineErrors(argparse.ArgumentParser):
    """A bad option is said in one line, as every other bad setting is, not after the whole usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"mock-server: {message} (see {self.prog} --help)\n")


def installed_version() -> str:
    for name in DISTRIBUTIONS:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "(version unknown: not installed)"


def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to bind (default 127.0.0.1; MOCK_SERVER_HOST)")
    parser.add_argument("--port", type=int, help="port (default 8080; MOCK_SERVER_PORT)")
    parser.add_argument(
        "--provider",
        choices=REGISTRY.names(),
        help="serve only this provider, at the root (MOCK_SERVER_PROVIDER)",
    )
    parser.add_argument("--seed", type=int, help="same seed: same IDs and fake data (MOCK_SERVER_SEED)")
    parser.add_argument(
        "--threads",
        type=int,
        help="threads for requests that wait (latency, fault rules, a Redis store); the others run on "
        f"the event loop (default: the usable CPUs plus 4, at most 32: here {default_threads()}; "
        "MOCK_SERVER_THREADS)",
    )
    parser.add_argument(
        "--fixtures", metavar="PATH", help="fixtures file or folder to load (default: the bundled fixtures/)"
    )
    parser.add_argument("--no-fixtures", action="store_true", help="start with no users at all")
    parser.add_argument(
        "--latency",
        metavar="MS",
        help="delay every API request: 100, or a range 50-200 (MOCK_SERVER_LATENCY_MS)",
    )
    parser.add_argument(
        "--cors-origins", metavar="ORIGINS", help="comma-separated browser origins allowed (default *)"
    )
    parser.add_argument(
        "--rate-limit",
        action="append",
        metavar="PROVIDER=N/UNIT",
        help="emulate a provider's rate limit, e.g. dakota=60/min; repeatable; off by default "
        "(MOCK_SERVER_RATE_LIMIT, comma-separated)",
    )
    parser.add_argument(
        "--provider-ports",
        action="append",
        metavar="PROVIDER=PORT",
        help="also serve a provider at the root of a port of its own, for SDKs that keep only a base URL's "
        "origin, e.g. dakota=8083; repeatable or comma-separated (MOCK_SERVER_PROVIDER_PORTS)",
    )
    parser.add_argument(
        "--store",
        metavar="URL",
        help="where state lives: memory (the default), or redis://HOST:PORT/DB, shared by workers and "
        "replicas (MOCK_SERVER_STORE)",
    )
    parser.add_argument(
        "--store-namespace",
        metavar="NAME",
        help="this sandbox's part of a shared Redis; reset clears only it (default mock-server; "
        "MOCK_SERVER_STORE_NAMESPACE)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="server processes, with a shared store only (default 1; MOCK_SERVER_WORKERS)",
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        default=None,  # None: not given, so MOCK_SERVER_TLS still applies
        help="serve HTTPS, for every provider's real host names, with a certificate from a local CA the "
        "mock makes once; the banner names the CA to trust (MOCK_SERVER_TLS; docs/tls.md)",
    )
    parser.add_argument(
        "--tls-dir",
        metavar="DIR",
        help="where the CA and certificate are kept (default $XDG_DATA_HOME/mock-server/tls or "
        "~/.local/share/mock-server/tls; MOCK_SERVER_TLS_DIR)",
    )
    parser.add_argument(
        "--strict-auth",
        action="store_true",
        default=None,  # None: not given, so MOCK_SERVER_STRICT_AUTH still applies
        help="accept only credentials the mock issued, e.g. its own access tokens (MOCK_SERVER_STRICT_AUTH)",
    )
    parser.add_argument(
        "--admin-token",
        metavar="TOKEN",
        help="require this token on every /__admin route and the dashboard (Authorization: Bearer TOKEN, "
        "or the dashboard's login form); the emulated APIs do not ask for it. Prefer "
        "MOCK_SERVER_ADMIN_TOKEN: a command line is visible to every user of the machine",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        default=None,  # None: not given, so MOCK_SERVER_QUIET still applies
        help="no access line per request on standard output (MOCK_SERVER_QUIET)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrors(prog="mock-server", description=__doc__)
    parser.add_argument("--version", action="version", version=f"mock-server {installed_version()}")
    commands = parser.add_subparsers(dest="command", parser_class=OneLineErrors)
    _serve_arguments(commands.add_parser("serve", help="serve the emulated APIs (the default)"))
    fixtures = commands.add_parser("fixtures", help="work with fixtures files")
    fixture_commands = fixtures.add_subparsers(dest="fixtures_command", required=True)
    generate = fixture_commands.add_parser("generate", help="write realistic users for one provider")
    generate.add_argument("--provider", choices=REGISTRY.names(), required=True)
    generate.add_argument("--count", type=int, default=10)
    generate.add_argument("--seed", type=int, default=0, help="same seed: same file, same IDs (default 0)")
    generate.add_argument("--output", metavar="FILE", help="write here instead of standard output")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0] not in (*SUBCOMMANDS, *TOP_LEVEL_OPTIONS):
        args_list.insert(0, "serve")
    args = build_parser().parse_args(args_list)
    if args.command == "fixtures":
        return generate_fixtures_file(args)
    return run_server(args)


def fixtures_setting(args: argparse.Namespace) -> str | None:
    """--no-fixtures, else --fixtures, else MOCK_SERVER_FIXTURES, else the bundled fixtures: package data,
    present in every install (a clone, a wheel, an sdist, the image)."""
    if args.no_fixtures:
        return ""
    if args.fixtures:
        return args.fixtures
    if os.environ.get(ENV_PREFIX + "FIXTURES") is not None:
        return None  # Config.from_env reads it
    return str(BUNDLED_FIXTURES)


def run_server(args: argparse.Namespace) -> int:
    try:
        config = REGISTRY.config_from_env(
            None,
            host=args.host,
            port=args.port,
            provider=args.provider,
            seed=args.seed,
            threads=args.threads,
            latency_ms=args.latency,
            cors_origins=args.cors_origins,
            fixtures=fixtures_setting(args),
            rate_limit=",".join(args.rate_limit) if args.rate_limit else None,
            provider_ports=",".join(args.provider_ports) if args.provider_ports else None,
            strict_auth=args.strict_auth,
            quiet=args.quiet,
            store=args.store,
            store_namespace=args.store_namespace,
            workers=args.workers,
            tls=args.tls,
            tls_dir=args.tls_dir,
            admin_token=args.admin_token,
        )
        speedups.enabled_speedups()  # a bad MOCK_SERVER_SPEEDUPS_OFF is refused here, with a message
        serve.keep_large_blocks_returnable()  # before the app and its fixtures are allocated
        app = create_app(config)  # here, so a broken fixtures file stops the command with a message
        serve.serve(app, config)  # a provider port that is taken stops it the same way
    except ValueError as error:
        print(f"mock-server: {error}", file=sys.stderr)
        return 2
    return 0


def generate_fixtures_file(args: argparse.Namespace) -> int:
    if args.count < 0:
        print("mock-server: --count must be 0 or more", file=sys.stderr)
        return 2
    try:
        document = generate_fixtures(args.provider, args.count, args.seed)
    except FakerMissing as error:  # installed without the [fixtures] extra
        print(f"mock-server: {error}", file=sys.stderr)
        return 2
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)
    return 0
