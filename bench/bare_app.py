"""The baseline: a bare Flask "create" endpoint, served the same way as the mock, to price our machinery."""

import threading
import uuid

from flask import Flask, jsonify, request

app = Flask(__name__)
_users: dict[str, dict] = {}
_lock = threading.Lock()


@app.post("/users")
def create_user():
    body = request.get_json()
    user_id = str(uuid.uuid4())
    with _lock:
        _users[user_id] = body
    return jsonify(id=user_id, **body), 200
