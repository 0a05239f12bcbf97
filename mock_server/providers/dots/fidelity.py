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
    Fact(
        "a `user_id` that is not a UUID, where the spec types it as one: 400 `invalid-input`; a user of "
        "another client: 404",
        "assumed",
    ),
    Fact("`DELETE` answers 200 with the deleted user", "docs"),
    Fact(
        "`PATCH` takes `metadata` (`null` clears it), `date_of_birth`, `auto_payout_enabled`, "
        "`1099_adjustment`, `payout_options_exclude_list`; other fields ignored",
        "spec, assumed (ignored)",
    ),
    Fact(
        "`PATCH default_payout_method` takes a platform the user has a payout method of; any other "
        '(`intl_bank`, `crypto`... included) answers 400 "must be a payout method already configured by '
        'the user."',
        "spec, assumed (message)",
    ),
    Fact("no idempotency key on user creation", "docs"),
    Fact(
        "operation ids (create-user, get-users, get-user, update-user, delete-user, submit-compliance, "
        "send-verification-token, verify, get-payout-methods, add-payout-method, add-user-address) and the "
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
    # --- the routes under a user (issue 14) ---
    Fact(
        "after the seed's keys: `default_payout_method` and `default_payout_method_details` after "
        "`phone_number`, only for a user with a default; `tax_id_verification` and `w9` after the eight "
        "compliance flags",
        "spec (keys, user order), assumed (compliance order)",
    ),
    Fact(
        "compliance, addresses and verify answer **200** `{}`; send-verification-token **202** `{}`",
        "spec (statuses), docs (`{}` on submit-compliance), assumed (the others' `{}`)",
    ),
    Fact(
        "compliance, addresses and send-verification-token take any `user_id` (the spec gives no format): "
        "one that is no user's is 404; verify and payout-methods take only a UUID (400 otherwise)",
        "spec (formats), assumed (statuses)",
    ),
    Fact(
        "W-9: `entity_type`, `date_of_birth`, `tin` (exactly 9 characters) and `address{line_1, city, "
        "state, country, postcode}` required; `business_name` when `entity_type` is `business`",
        "spec",
    ),
    Fact(
        "a business's W-9 needs a `date_of_birth` too: the spec's `required` lists it, its text says "
        '"Required if individual"; the stricter reading is kept',
        "spec, assumed (which reading)",
    ),
    Fact(
        "W-8BEN: `name`, `citizenship_country`, `date_of_birth`, `address{line_1, city, country, "
        "postcode}` and `signature{consent, name, email}` required; `foreign_tax_id` unless the "
        "citizenship is AU, BM, VG, KY or JP; `tax_treaty_income_type` from the spec's ten",
        "spec",
    ),
    Fact(
        "a body with neither `w9` nor `w8ben` is 400; country codes are 2 capital letters; "
        "`tax_treaty_rate` is a number from 0 to 1; `signature.consent` must be true and "
        "`signature.email` an email; required text fields may not be empty",
        "assumed (the spec types them only)",
    ),
    Fact(
        "a W-9 sets `tax_id_collected`, `address_collected`, `date_of_birth_collected`, "
        "`1099_collected`, `w9.entity_type`, `w9.business_name` and the `w9` flags; a W-8BEN "
        "`w8_ben_collected`, `address_collected`, `date_of_birth_collected`; both set the date of birth",
        "assumed",
    ),
    Fact(
        "`tax_id_verification` goes `unsubmitted` → `pending` → `matched` or `mismatched`; a resubmitted "
        "W-9 starts a new check; shown at `compliance.tax_id_verification` and "
        "`compliance.w9.tax_id_verification`",
        "docs (states, w9 place), spec (enum, top-level place)",
    ),
    Fact(
        "a TIN check settles 3 seconds of the app clock after the W-9 (a read then shows the outcome)",
        'docs ("a few seconds"), assumed (3)',
    ),
    Fact(
        "a TIN that begins `000` (`000000000`, say) or is not nine digits ends `mismatched`; any other "
        "`matched`",
        "assumed (no SSN begins 000 and no EIN 00, so no real TIN is hit)",
    ),
    Fact(
        "`compliance.w9` of a user with no W-9 is `{entity_type: individual, business_name: null, ...}`; "
        "`null` once a W-8BEN is filed without a W-9",
        "spec (null for a non-US payee), assumed (individual until told)",
    ),
    Fact(
        "`PUT addresses`: `postcode`, `city`, `state`, `country` (2 letters), `line_1` required, `line_2`, "
        "`line_3` optional; a `US` address's state is its 2-letter code; sets `address_collected` (and "
        "`w9.address_collected`); the address itself shows nowhere",
        "spec (fields), assumed (rules, flag)",
    ),
    Fact(
        "send-verification-token's body is optional; `use_voice: true` is a call, false or absent an SMS",
        "spec",
    ),
    Fact(
        "nothing is sent: every message, code included and unmasked, is kept in the outbox, "
        "`GET /__admin/messages` (filters `provider`, `user_id`, `limit`)",
        "assumed (the mock's own)",
    ),
    Fact(
        "a code is 6 digits from the seeded random source; a new one replaces the last; there is no "
        "resend limit",
        "spec (6: minLength), assumed",
    ),
    Fact("a code expires 10 minutes after it is sent (app clock); 5 wrong tokens spend it", "assumed"),
    Fact(
        'a wrong, expired, spent, used or never-sent code: 400 `incorrect-token` "Incorrect token"; a wrong '
        "token is the one refused request that changes state (it spends a try)",
        "spec (400 and its words), assumed (code, one answer for all)",
    ),
    Fact(
        "a token missing, not a string or shorter than 6 characters: 400 `invalid-input`, spending no try",
        "spec (minLength), assumed",
    ),
    Fact(
        "a correct code makes an `unverified` user `verified`; `in_review` and `disabled` users stay so",
        "assumed (no source says which call sets `verified`)",
    ),
    Fact(
        "`in_review` and `disabled` are reached only through `POST /__admin/users/status`, which can set "
        "any status; they block no route",
        "assumed",
    ),
    Fact(
        "`GET payout-methods`: a bare array of payment-method objects, in the order first added",
        "spec, assumed (order)",
    ),
    Fact(
        "`PUT payout-methods`: `platform` paypal, venmo, cash_app or ach; ach needs `routing_number`, "
        "`account_number`, `account_type`; cash_app `routing_number`, `account_number`, `cash_tag`; paypal "
        "`email`; venmo `phone_number` or `handle`",
        "spec",
    ),
    Fact(
        "routing number 9 digits, account number 4 to 17 digits, Venmo phone number 1 to 20 digits, PayPal "
        "email an email; another platform's fields are ignored",
        "assumed",
    ),
    Fact(
        "one method per platform: adding a platform again replaces its method in place; the same bank "
        "account keeps its id",
        "assumed (a default payout method names a platform)",
    ),
    Fact(
        "`id` only for ach: `acc_` and 14 lower-case letters and digits, from the seeded random source",
        "spec (which get one; example `acc_dfsf983kkjdsf`)",
    ),
    Fact(
        "the PUT answer: `id`, `platform`, the platform's own fields (account numbers in full), "
        "`rtp_enabled` (ach: false), `meta` (the request's `metadata`, null if none)",
        "spec (fields), assumed (values)",
    ),
    Fact(
        "a listed method: `description` (`Checking account`, `PayPal`, `Venmo @handle`...), `mask` (last "
        "4 digits of an account number), `country` `US`, `currency` `USD`",
        "spec (fields), assumed (values)",
    ),
    Fact(
        "`is_default: true` makes the method the user's default; false or null leave the default; a first "
        "method is not made default by itself",
        "spec, assumed (false, first)",
    ),
    Fact(
        "`auto_payout_enabled` true or false sets the user's (null leaves it); the user object has no "
        "field to show it",
        "spec",
    ),
)
