"""The `mock-server` command; with no subcommand it serves."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mock_server.config import Config
from mock_server.providers import provider_names


def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to bind (default 127.0.0.1; MOCK_SERVER_HOST)")
    parser.add_argument("--port", type=int, help="port (default 8080; MOCK_SERVER_PORT)")
    parser.add_argument(
        "--provider",
        choices=provider_names(),
        help="serve only this provider, at the root (MOCK_SERVER_PROVIDER)",
    )
    parser.add_argument("--seed", type=int, help="same seed: same IDs and fake data (MOCK_SERVER_SEED)")
    parser.add_argument("--threads", type=int, help="worker threads (default 8; MOCK_SERVER_THREADS)")
    parser.add_argument(
        "--strict-auth",
        action="store_true",
        default=None,  # None: not given, so MOCK_SERVER_STRICT_AUTH still applies
        help="accept only credentials the mock issued, e.g. its own access tokens (MOCK_SERVER_STRICT_AUTH)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mock-server", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    serve_parser = commands.add_parser("serve", help="serve the emulated APIs (the default)")
    _serve_arguments(serve_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0].startswith("-") and args_list[0] not in ("-h", "--help"):
        args_list.insert(0, "serve")
    args = build_parser().parse_args(args_list)
    if args.command == "serve":
        return run_server(args)
    build_parser().print_help()
    return 2


def run_server(args: argparse.Namespace) -> int:
    from mock_server.serve import serve

    try:
        config = Config.from_env(
            host=args.host,
            port=args.port,
            provider=args.provider,
            seed=args.seed,
            threads=args.threads,
            strict_auth=args.strict_auth,
        )
    except ValueError as error:
        print(f"mock-server: {error}", file=sys.stderr)
        return 2
    serve(config)
    return 0
