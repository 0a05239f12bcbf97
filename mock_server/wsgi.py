"""The WSGI entry point the production server loads in its worker: the app, built from MOCK_SERVER_*."""

from flask import Flask

from mock_server.app import create_app
from mock_server.providers import REGISTRY


def app_from_environment() -> Flask:
    return create_app(REGISTRY.config_from_env())
