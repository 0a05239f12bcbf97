"""What the Dots production and sandbox mock does, and the source of each behaviour: the rows of the fidelity
table in docs/providers/dots.md, which tools/docs.py renders from here."""

from mock_server.base.fidelity import Fact

FACTS: tuple[Fact, ...] = (
    Fact("`POST /api/v2/users` answers **200** (the spec says 201; the seed wins)", "seed 000"),
    Fact(
        "response keys and their order: `id`, names, `email`, `phone_number{country_code, "
        "phone_number}`, `wallet{amount, withdrawable_amount, credit_balance}`, `compliance{8 "
        "booleans}`, `metadata`",
        "seed 000",
    ),
    Fact(
        "`status` (`unverified` for a new user) and `payout_options_exclude_list` in the user object",
        "spec",
    ),
    Fact(
        "a new user's wallet is all zeros; every compliance flag false except "
        "`date_of_birth_collected` when a date of birth was given",
        "assumed",
    ),
    Fact(
        "`metadata` echoed as sent (string or object); `null` when not sent",
        "seed 001 (type), assumed (null)",
    ),
    Fact(
        "required `first_name`, `last_name` (1-50), `email`, `country_code` `^[0-9]{1,3}$`, "
        "`phone_number` `^[0-9]{1,20}$`; optional `username` (1-50), `date_of_birth` (date), "
        "`metadata` (string or object), `1099_adjustment`, `payout_options_exclude_list`",
        "spec",
    ),
    Fact("unknown request fields are ignored", "assumed"),
    Fact(
        "Basic auth `base64(client_id:api_key)`, or `base64(client_id:)` from a browser; missing "
        "or malformed: 401",
        "docs",
    ),
    Fact("any well-formed credential is accepted; data scoped per client id", "assumed (stripe-mock's way)"),
    Fact('error body `{"success": false, "error_code", "message"}`', "docs (v1 spec, v2 integration)"),
    Fact(
        "codes `invalid-input`, `invalid-email` (email field), `invalid-phone-number` (country "
        "code, phone number), `auth-email-already-exists`, `auth-username-already-exists`",
        "docs",
    ),
    Fact(
        "one error at a time: the first failed field in declared order; message wording "
        '(`"first_name is required."`)',
        "assumed",
    ),
    Fact(
        "statuses 401 `unauthorized`, 404 `not-found`, 405 `method-not-allowed` (with `Allow`), "
        "409 for duplicates, 413 `payload-too-large`, 500 `internal-server-error`",
        "assumed",
    ),
    Fact(
        "email and username unique per client, case-insensitively, in production and sandbox",
        "docs (codes), assumed (scope, case)",
    ),
    Fact(
        "production returns the existing user (200) for a known `country_code` + `phone_number`",
        "seed 000",
    ),
    Fact("the sandbox allows duplicate phone numbers, and has its own store", "seed 001"),
    Fact(
        "list: newest first, `limit` 1-100 (default 10), `starting_after` / `ending_before` UUID "
        'cursors, `status` filter, `{"data", "has_more"}`',
        "spec (shape), assumed (order, default 10)",
    ),
    Fact("a cursor that names no user, or both cursors at once: 400 `invalid-input`", "assumed"),
    Fact("a `user_id` that is not a UUID: 400 `invalid-input`; a user of another client: 404", "assumed"),
    Fact("`DELETE` answers 200 with the deleted user", "docs"),
    Fact(
        "`PATCH` takes `metadata` (`null` clears it), `date_of_birth`, `auto_payout_enabled`, "
        "`1099_adjustment`, `payout_options_exclude_list`; other fields ignored",
        "spec, assumed (ignored)",
    ),
    Fact(
        '`PATCH default_payout_method` answers 400: it "must be a payout method already '
        'configured", and the mock emulates no payout methods',
        "spec, assumed (message)",
    ),
    Fact("no idempotency key on user creation", "docs"),
    Fact(
        "operation ids (create-user, get-users, get-user, update-user, delete-user) and the "
        "security scheme name api_key, HTTP Basic",
        "spec",
    ),
    Fact(
        'integers in 1099_adjustment take 500.0 and 5e2 as 500 (JSON Schema\'s "integer"); '
        "auto_payout_enabled only true or false",
        "spec (types), assumed (reading)",
    ),
    Fact(
        "a body that stalls: 408 `request-timeout`; one that ends early, or a bad Host: 400 `invalid-input`",
        "assumed",
    ),
)
