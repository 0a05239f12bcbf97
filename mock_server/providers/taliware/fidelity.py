"""What the Taliware CL2C mock does, and the source of each behaviour: the rows of the fidelity
table in docs/providers/taliware.md, which tools/docs.py renders from here."""

from mock_server.base.fidelity import Fact

FACTS: tuple[Fact, ...] = (
    Fact(
        "`POST /v1/cl2c/user` with headers `tenant` and `X-API-Key`, body `firstName`, "
        "`lastName`, `email`, `userName`, `phoneNumber`; answers **200**",
        "seed 004",
    ),
    Fact(
        "response keys and order: `id` (UUID), `userName`, `firstName`, `lastName`, `email`, "
        "`emailConfirmed`, `authenticated`, `authValidUpto`, `authLocation`, `phoneNumber`, "
        "`walletAddress`",
        "seed 004",
    ),
    Fact("`authValidUpto` as `2024-11-05T19:46:48.912Z`: UTC, always three fractional digits", "seed 004"),
    Fact("`emailConfirmed` false for a new user", "docs (issue)"),
    Fact(
        "`authenticated` true until `authValidUpto`, which is creation time + 24 hours on the app "
        "clock; false after",
        "assumed",
    ),
    Fact("`authLocation` is the caller's IP address", "assumed"),
    Fact(
        "`walletAddress` an Ethereum-style `0x` + 40 hex address from mimesis, repeatable under `--seed`",
        "assumed (chain), docs (issue: from a library)",
    ),
    Fact(
        "`GET /v1/cl2c/users` (plain JSON array, oldest first) and `GET /v1/cl2c/users/{id}`",
        "docs (API facts), assumed (order)",
    ),
    Fact(
        "users scoped per tenant: another tenant's user is 404, its user names never collide",
        "docs (issue)",
    ),
    Fact(
        "`userName` unique within a tenant, case-insensitively (Identity's normalised name); 409 "
        "ErrorResult \"Username '…' is already taken.\"",
        "docs (Identity's DuplicateUserName wording), assumed (409, case)",
    ),
    Fact("emails and phone numbers may repeat", "assumed"),
    Fact("success `Content-Type: application/json; charset=utf-8`", "docs (ASP.NET Core MVC)"),
    Fact(
        "JSON written by MVC with `UnsafeRelaxedJsonEscaping` (MVC's choice when the app sets no "
        "encoder): non-ASCII text and `<>&'+` as they are; control, format, unassigned, "
        "private-use characters, separators other than space, and non-BMP characters (as "
        "surrogate pairs) escaped as upper-case `\\uXXXX`",
        "docs (aspnetcore `SystemTextJsonOutputFormatter.CreateFormatter`)",
    ),
    Fact(
        "body read as System.Text.Json with web defaults: property names case-insensitive, "
        "unknown properties skipped, last duplicate wins, a UTF-8 BOM skipped",
        "docs (ASP.NET Core)",
    ),
    Fact(
        "a value System.Text.Json cannot read: 400 with key `$.path` and the reader's or "
        "serializer's own message, path (`$['a b']` for special names), zero-based `LineNumber` "
        "and `BytePositionInLine`; the first problem in document order only",
        "docs (dotnet/runtime `Utf8JsonReader`, `ThrowHelper`, `Strings.resx`)",
    ),
    Fact(
        'a body that is not an object: "The JSON value could not be converted to '
        'Taliware.CL2C.Application.Users.CreateUserRequest."',
        "docs (message), assumed (type name)",
    ),
    Fact(
        'an empty body, or JSON `null`: `"": ["A non-empty request body is required."]`',
        "docs (aspnet/Mvc #6920, dotnet/aspnetcore #40415)",
    ),
    Fact(
        'no `"request": ["The request field is required."]` entry beside a `$` error (the DTO '
        "parameter treated as nullable)",
        "assumed (.NET 8 adds it when nullable reference types are on: dotnet/aspnetcore #53058)",
    ),
    Fact(
        "validation: `[Required]` on all five properties (null, missing, empty and whitespace "
        'fail), `[EmailAddress]` on `Email` (one `@`, not first or last); "The X field is '
        'required.", "The Email field is not a valid e-mail address."; every failed rule adds its '
        "message, `[Required]`'s first",
        "docs (issue, DataAnnotations), assumed (which attributes)",
    ),
    Fact(
        "ValidationProblemDetails keys `type`, `title`, `status`, `errors`, `traceId`; "
        "`Content-Type: application/problem+json; charset=utf-8`",
        "docs (API facts, ASP.NET Core)",
    ),
    Fact(
        "`errors` keys PascalCase, in ModelState order: breadth-first, shorter keys first, then "
        "case-insensitive (`Email`, `LastName`, `UserName`, `FirstName`, `PhoneNumber`)",
        "docs (aspnetcore `ModelStateDictionary`)",
    ),
    Fact(
        "`traceId` `00-<32 hex>-<16 hex>-00` (Activity.Current.Id), new per response, repeatable "
        "under `--seed`",
        "docs (aspnetcore `DefaultProblemDetailsFactory`)",
    ),
    Fact(
        "a Content-Type other than `application/json`, `text/json`, `application/*+json`, or a "
        "charset other than `utf-8` / `utf-16`, or none: 415 ProblemDetails "
        '`rfc9110#section-15.5.16`, "Unsupported Media Type"',
        "docs (dotnet/aspnetcore #29570, ASP.NET Core)",
    ),
    Fact(
        "everything else in the starter kit's ErrorResult: `messages`, `source`, `exception`, "
        '`errorId` (GUID), `supportMessage` "Provide the ErrorId … to the support team for '
        'further analysis.", `statusCode`; `Content-Type: application/json`; Newtonsoft escaping '
        "(non-ASCII unescaped)",
        "docs (API facts, fullstackhero `ExceptionMiddleware`)",
    ),
    Fact(
        'missing or unknown tenant, missing key: 401 "Authentication Failed." (tenant checked first)',
        "docs (API facts, fullstackhero `TenantMiddleware`)",
    ),
    Fact(
        "`source` class names "
        "(`Taliware.CL2C.Infrastructure.Multitenancy.TenantResolutionMiddleware`, "
        "`…Auth.ApiKeyAuthenticationHandler`, `…Identity.UserService`, "
        "`…Middleware.ExceptionMiddleware`)",
        "assumed",
    ),
    Fact(
        "a tenant id exists when it is well-formed (`[A-Za-z0-9][A-Za-z0-9_.-]{0,63}`) and, if "
        "`MOCK_SERVER_TALIWARE_TENANTS` is set, listed there (case-sensitive)",
        "assumed",
    ),
    Fact("any non-empty `X-API-Key` is accepted; it does not partition data", "assumed (stripe-mock's way)"),
    Fact(
        'unknown user id (any string): 404 ErrorResult "User Not Found."',
        "docs (API facts, fullstackhero wording)",
    ),
    Fact(
        "unknown route: 404 with no body and no Content-Type; wrong method (OPTIONS included): "
        "405, no body, `Allow`",
        "docs (ASP.NET Core endpoint routing)",
    ),
    Fact(
        'body over the limit: 413 ErrorResult "Request body too large. The max request body size '
        'is N bytes."',
        "docs (Kestrel wording), assumed (413 rather than the starter kit's 500)",
    ),
    Fact('an unexpected failure: 500 ErrorResult "An unexpected error occurred.", no trace', "assumed"),
    Fact(
        "the bundled users belong to tenant `root`",
        "assumed (the fullstackhero starter kit's default root tenant)",
    ),
    Fact(
        "fixture users' `authValidUpto` is their creation time + 24 hours, so generated users "
        "read `authenticated: false`",
        "assumed",
    ),
    Fact(
        "a CORS preflight to a Taliware route answers 200 (a plain `OPTIONS` still 405)",
        "assumed (ASP.NET Core's CORS middleware answers preflights before routing)",
    ),
    Fact(
        "no property has a length rule: 10^5-character values (email included) are stored whole; "
        "spaces around an email are kept, as `[EmailAddress]` trims nothing",
        "docs (DataAnnotations), assumed (no other attributes)",
    ),
    Fact(
        "a lone surrogate escape is a conversion error at its position, as System.Text.Json refuses it",
        "docs",
    ),
    Fact(
        "a trailing slash is 404 with no body (ASP.NET Core would route it: the mock is stricter)",
        "assumed",
    ),
    Fact(
        "two apiKey schemes, tenant and X-API-Key, both required on every call; the body "
        "documented in camelCase (binding is case-insensitive)",
        "seed 004",
    ),
    Fact(
        'a body that stalls: 408 ErrorResult "Reading the request body timed out due to data arriving '
        'too slowly. See MinRequestBodyDataRate."; one that ends early: 400 ErrorResult "Unexpected end '
        "of request content.\" (source Kestrel's message body); a bad Host: a bare 400, as Kestrel "
        "answers it before any middleware",
        "docs (Kestrel wording), assumed (the starter kit's ErrorResult around it)",
    ),
)
