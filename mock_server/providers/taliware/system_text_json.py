"""What ASP.NET Core's System.Text.Json does with a request body, error for error, and how it writes one.

The real service binds the body with System.Text.Json (Utf8JsonReader + JsonSerializer), so a body it
cannot read is answered with that library's own message, JSON path, line and byte position, e.g.
"The JSON value could not be converted to System.String. Path: $.email | LineNumber: 0 |
BytePositionInLine: 14." Python's json module reports different messages at different positions, so the
reader below follows dotnet/runtime's Utf8JsonReader (ConsumeValue, ConsumeString, TryGetNumber,
ConsumeNextToken, CheckLiteral) and its resource strings (Strings.resx) token for token.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# JsonSerializerOptions.MaxDepth's default.
MAX_DEPTH = 64
# JsonConstants.Delimiters: what may end a number.
NUMBER_DELIMITERS = frozenset(b",}] \n\r\t/")
WHITESPACE = frozenset(b" \t\r\n")
ESCAPABLE = frozenset(b'"\\/bfnrtu')
HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")
# JsonPath writes a property name holding one of these as $['name'] instead of $.name.
PATH_SPECIAL_CHARACTERS = frozenset(".' /\"[]()\t\n\r\f\b\\\u0085\u2028\u2029")
STRING_END_OR_SPECIAL = re.compile(rb'["\\\x00-\x1f]')
SURROGATE = re.compile("[\ud800-\udfff]")
UTF8_BOM = b"\xef\xbb\xbf"

# Resource strings of System.Text.Json (src/libraries/System.Text.Json/src/Resources/Strings.resx).
ARRAY_DEPTH_TOO_LARGE = (
    f"The maximum configured depth of {MAX_DEPTH} has been exceeded. Cannot read next JSON array."
)
OBJECT_DEPTH_TOO_LARGE = (
    f"The maximum configured depth of {MAX_DEPTH} has been exceeded. Cannot read next JSON object."
)
END_OF_STRING_NOT_FOUND = "Expected end of string, but instead reached end of data."
EXPECTED_END_AFTER_SINGLE_JSON = "'{0}' is invalid after a single JSON value. Expected end of data."
EXPECTED_END_OF_DIGIT_NOT_FOUND = "'{0}' is an invalid end of a number. Expected a delimiter."
EXPECTED_JSON_TOKENS = (
    "The input does not contain any JSON tokens. Expected the input to start with a valid JSON token, "
    "when isFinalBlock is true."
)
EXPECTED_NEXT_DIGIT_E_VALUE_NOT_FOUND = "'{0}' is an invalid end of a number. Expected 'E' or 'e'."
EXPECTED_LITERAL = "'{0}' is an invalid JSON literal. Expected the literal '{1}'."
EXPECTED_SEPARATOR_AFTER_PROPERTY_NAME = "'{0}' is invalid after a property name. Expected a ':'."
EXPECTED_START_OF_PROPERTY = "'{0}' is an invalid start of a property name. Expected a '\"'."
EXPECTED_START_OF_PROPERTY_OR_VALUE = (
    "Expected start of a property name or value, but instead reached end of data."
)
EXPECTED_START_OF_VALUE = "'{0}' is an invalid start of a value."
EXPECTED_VALUE_AFTER_PROPERTY_NAME = "Expected a value, but instead reached end of data."
FOUND_INVALID_CHARACTER = "'{0}' is invalid after a value. Expected either ',', '}}', or ']'."
INVALID_CHARACTER_AFTER_ESCAPE = (
    "'{0}' is an invalid escapable character within a JSON string. The string should be correctly escaped."
)
INVALID_CHARACTER_WITHIN_STRING = (
    "'{0}' is invalid within a JSON string. The string should be correctly escaped."
)
INVALID_HEX_CHARACTER = (
    "'{0}' is not a hex digit following '\\u' within a JSON string. The string should be correctly escaped."
)
INVALID_LEADING_ZERO = "Invalid leading zero before '{0}'."
MISMATCHED_OBJECT_ARRAY = "'{0}' is invalid without a matching open."
REQUIRED_DIGIT_AFTER_DECIMAL = (
    "'{0}' is invalid within a number, immediately after a decimal point ('.'). Expected a digit ('0'-'9')."
)
REQUIRED_DIGIT_AFTER_SIGN = (
    "'{0}' is invalid within a number, immediately after a sign character ('+' or '-'). "
    "Expected a digit ('0'-'9')."
)
REQUIRED_DIGIT_END_OF_DATA = "Expected a digit ('0'-'9'), but instead reached end of data."
TRAILING_COMMA_BEFORE_ARRAY_END = (
    "The JSON array contains a trailing comma at the end which is not supported in this mode. "
    "Change the reader options."
)
TRAILING_COMMA_BEFORE_OBJECT_END = (
    "The JSON object contains a trailing comma at the end which is not supported in this mode. "
    "Change the reader options."
)
ZERO_DEPTH_AT_END = (
    "Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array "
    "that should be closed."
)
UNABLE_TO_CONVERT = "The JSON value could not be converted to {0}."


class JsonReadError(Exception):
    """The body could not be read. `path` is the JsonException's Path (the ModelState key ASP.NET
    files the error under) and `message` its full Message, path and position included."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


class _ReaderError(Exception):
    """A JsonReaderException: the message already ends with the line and byte position."""


def printable(byte: int) -> str:
    """ThrowHelper.GetPrintableString: a printable ASCII byte as itself, anything else as 0xXX."""
    return chr(byte) if 0x20 <= byte < 0x7F else f"0x{byte:02X}"


def json_path(property_name: str | None) -> str:
    if property_name is None:
        return "$"
    if any(char in PATH_SPECIAL_CHARACTERS for char in property_name):
        return f"$['{property_name}']"
    return f"$.{property_name}"


@dataclass
class Token:
    kind: str  # "string", "number", "true", "false", "null", "{", "}", "[", "]", "property"
    raw: bytes = b""  # a string's or property name's bytes between the quotes, still escaped


class Utf8JsonReader:
    """A forward-only reader over a whole (final) buffer, raising the real reader's errors with the
    real reader's line number and byte position in the line (both zero-based)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.line = 0
        self.column = 0
        self.containers: list[str] = []  # "{" or "[" for each open container
        self.last: Token | None = None

    # --- errors ---------------------------------------------------------------------------------

    def fail(self, message: str) -> _ReaderError:
        return _ReaderError(f"{message} LineNumber: {self.line} | BytePositionInLine: {self.column}.")

    def position_suffix(self) -> str:
        return f"LineNumber: {self.line} | BytePositionInLine: {self.column}."

    # --- reading --------------------------------------------------------------------------------

    def at_end(self) -> bool:
        return self.pos >= len(self.data)

    def skip_whitespace(self) -> None:
        data, pos = self.data, self.pos
        while pos < len(data) and data[pos] in WHITESPACE:
            if data[pos] == 0x0A:
                self.line += 1
                self.column = 0
            else:
                self.column += 1
            pos += 1
        self.pos = pos

    def advance(self, count: int) -> None:
        self.pos += count
        self.column += count

    def read(self) -> Token | None:
        """The next token; None at the clean end of the payload."""
        self.skip_whitespace()
        if self.at_end():
            return self._end_of_data()
        first = self.data[self.pos]
        if self.last is None:
            token = self._value(first)
        elif first == 0x2F:  # '/': comments are disallowed, and the reader says so this way
            token = self._next_token(first)
        elif self.last.kind == "{":
            token = self._first_in_object(first)
        elif self.last.kind == "[":
            token = self._end_container("]") if first == 0x5D else self._value(first)
        elif self.last.kind == "property":
            token = self._value(first)
        else:
            token = self._next_token(first)
        self.last = token
        return token

    def _end_of_data(self) -> None:
        if self.last is None:
            raise self.fail(EXPECTED_JSON_TOKENS)
        if self.containers:
            raise self.fail(ZERO_DEPTH_AT_END)
        return None

    def _first_in_object(self, first: int) -> Token:
        if first == 0x7D:
            return self._end_container("}")
        if first != 0x22:
            raise self.fail(EXPECTED_START_OF_PROPERTY.format(printable(first)))
        return self._property_name()

    def _next_token(self, marker: int) -> Token:
        """After a complete value: a comma and the next member, or the end of the container."""
        if not self.containers:
            raise self.fail(EXPECTED_END_AFTER_SINGLE_JSON.format(printable(marker)))
        if marker == 0x2C:
            return self._after_comma()
        if marker == 0x7D:
            return self._end_container("}")
        if marker == 0x5D:
            return self._end_container("]")
        raise self.fail(FOUND_INVALID_CHARACTER.format(printable(marker)))

    def _after_comma(self) -> Token:
        self.advance(1)
        if self.at_end():
            self.pos -= 1
            self.column -= 1
            raise self.fail(EXPECTED_START_OF_PROPERTY_OR_VALUE)
        self.skip_whitespace()
        if self.at_end():
            raise self.fail(EXPECTED_START_OF_PROPERTY_OR_VALUE)
        first = self.data[self.pos]
        if self.containers[-1] == "{":
            if first == 0x22:
                return self._property_name()
            if first == 0x7D:
                raise self.fail(TRAILING_COMMA_BEFORE_OBJECT_END)
            raise self.fail(EXPECTED_START_OF_PROPERTY.format(printable(first)))
        if first == 0x5D:
            raise self.fail(TRAILING_COMMA_BEFORE_ARRAY_END)
        return self._value(first)

    def _end_container(self, closer: str) -> Token:
        opener = "{" if closer == "}" else "["
        if not self.containers or self.containers[-1] != opener:
            raise self.fail(MISMATCHED_OBJECT_ARRAY.format(closer))
        self.containers.pop()
        self.advance(1)
        return Token(closer)

    def _property_name(self) -> Token:
        raw = self._string()
        if self.at_end():
            raise self.fail(EXPECTED_VALUE_AFTER_PROPERTY_NAME)
        self.skip_whitespace()
        if self.at_end():
            raise self.fail(EXPECTED_VALUE_AFTER_PROPERTY_NAME)
        separator = self.data[self.pos]
        if separator != 0x3A:
            raise self.fail(EXPECTED_SEPARATOR_AFTER_PROPERTY_NAME.format(printable(separator)))
        self.advance(1)
        return Token("property", raw)

    def _value(self, marker: int) -> Token:
        if marker == 0x22:
            return Token("string", self._string())
        if marker in (0x7B, 0x5B):
            return self._start_container(marker)
        if 0x30 <= marker <= 0x39 or marker == 0x2D:
            self._number()
            return Token("number")
        for literal in (b"true", b"false", b"null"):
            if marker == literal[0]:
                self._literal(literal)
                return Token(literal.decode())
        raise self.fail(EXPECTED_START_OF_VALUE.format(printable(marker)))

    def _start_container(self, marker: int) -> Token:
        kind = chr(marker)
        # The first token of the payload is never depth-checked; every later container is.
        if self.last is not None and len(self.containers) >= MAX_DEPTH:
            raise self.fail(OBJECT_DEPTH_TOO_LARGE if kind == "{" else ARRAY_DEPTH_TOO_LARGE)
        self.containers.append(kind)
        self.advance(1)
        return Token(kind)

    def _string(self) -> bytes:
        """The bytes between the quotes, validated as the reader validates them (control characters,
        escapes, \\u hex digits); the position ends after the closing quote."""
        data, start = self.data, self.pos + 1
        index = start
        while True:
            found = STRING_END_OR_SPECIAL.search(data, index)
            if found is None:
                self.column += len(data) - self.pos
                self.pos = len(data)
                raise self.fail(END_OF_STRING_NOT_FOUND)
            index = found.start()
            byte = data[index]
            if byte == 0x22:
                break
            if byte < 0x20:
                self.column += index - self.pos
                raise self.fail(INVALID_CHARACTER_WITHIN_STRING.format(printable(byte)))
            index = self._escape(index)
        raw = data[start:index]
        self.column += index + 1 - self.pos
        self.pos = index + 1
        return raw

    def _escape(self, backslash: int) -> int:
        """Validate the escape at `backslash`; the index just after it."""
        data = self.data
        if backslash + 1 >= len(data):
            self.column += len(data) - self.pos
            self.pos = len(data)
            raise self.fail(END_OF_STRING_NOT_FOUND)
        escaped = data[backslash + 1]
        if escaped not in ESCAPABLE:
            self.column += backslash + 1 - self.pos
            raise self.fail(INVALID_CHARACTER_AFTER_ESCAPE.format(printable(escaped)))
        if escaped != 0x75:  # 'u'
            return backslash + 2
        for offset in range(2, 6):
            if backslash + offset >= len(data):
                self.column += len(data) - self.pos
                self.pos = len(data)
                raise self.fail(END_OF_STRING_NOT_FOUND)
            digit = data[backslash + offset]
            if digit not in HEX_DIGITS:
                self.column += backslash + offset - self.pos
                raise self.fail(INVALID_HEX_CHARACTER.format(printable(digit)))
        return backslash + 6

    def _literal(self, literal: bytes) -> None:
        rest = self.data[self.pos :]
        if rest.startswith(literal):
            self.advance(len(literal))
            return
        # CheckLiteral: the message quotes the rest of the buffer from the literal's first byte.
        mismatch = next(i for i in range(1, len(literal)) if i >= len(rest) or rest[i] != literal[i])
        self.column += mismatch
        characters = rest.decode("utf-8", errors="replace")
        raise self.fail(EXPECTED_LITERAL.format(characters, literal.decode()))

    def _number(self) -> None:
        """TryGetNumber, then ConsumeNumber's rule that a number inside a container needs a delimiter."""
        start = self.pos
        end = self._exponent(start, self._fraction(start, self._integer_part(start)))
        self.advance(end - start)
        if self.at_end() and self.containers:
            raise self.fail(EXPECTED_END_OF_DIGIT_NOT_FOUND.format(printable(self.data[-1])))

    def _byte(self, index: int) -> int | None:
        return self.data[index] if index < len(self.data) else None

    def _digits_from(self, index: int) -> int:
        while index < len(self.data) and 0x30 <= self.data[index] <= 0x39:
            index += 1
        return index

    def _fail_in_number(self, start: int, index: int, message: str) -> _ReaderError:
        self.column += index - start  # the reader points at the offending byte
        return self.fail(message)

    def _require_digit(self, start: int, index: int, message: str) -> None:
        found = self._byte(index)
        if found is None:
            raise self._fail_in_number(start, index, REQUIRED_DIGIT_END_OF_DATA)
        if not 0x30 <= found <= 0x39:
            raise self._fail_in_number(start, index, message.format(printable(found)))

    def _require_end(self, start: int, index: int, continuations: bytes, message: str) -> None:
        """Past a run of digits: the end, a delimiter, or one of `continuations`."""
        found = self._byte(index)
        if found is not None and found not in NUMBER_DELIMITERS and found not in continuations:
            raise self._fail_in_number(start, index, message.format(printable(found)))

    def _integer_part(self, start: int) -> int:
        i = start
        if self.data[i] == 0x2D:  # '-'
            i += 1
            self._require_digit(start, i, REQUIRED_DIGIT_AFTER_SIGN)
        if self.data[i] == 0x30:  # '0' must stand alone
            i += 1
            found = self._byte(i)
            if found is not None and 0x30 <= found <= 0x39:
                raise self._fail_in_number(start, i, INVALID_LEADING_ZERO.format(printable(found)))
        else:
            i = self._digits_from(i + 1)
        self._require_end(start, i, b".eE", EXPECTED_END_OF_DIGIT_NOT_FOUND)
        return i

    def _fraction(self, start: int, i: int) -> int:
        if self._byte(i) != 0x2E:  # '.'
            return i
        self._require_digit(start, i + 1, REQUIRED_DIGIT_AFTER_DECIMAL)
        i = self._digits_from(i + 2)
        self._require_end(start, i, b"eE", EXPECTED_NEXT_DIGIT_E_VALUE_NOT_FOUND)
        return i

    def _exponent(self, start: int, i: int) -> int:
        if self._byte(i) not in (0x65, 0x45):  # 'e', 'E'
            return i
        i += 1
        if self._byte(i) in (0x2B, 0x2D):  # '+', '-'
            i += 1
        self._require_digit(start, i, REQUIRED_DIGIT_AFTER_SIGN)
        i = self._digits_from(i + 1)
        self._require_end(start, i, b"", EXPECTED_END_OF_DIGIT_NOT_FOUND)
        return i

    def skip(self, token: Token) -> None:
        """Reader.Skip(): read past the whole value that `token` starts."""
        if token.kind not in ("{", "["):
            return
        depth = len(self.containers)
        while len(self.containers) >= depth:
            self.read()


def decode_string(raw: bytes) -> str | None:
    """The text of a string token as JsonSerializer gets it; None when it cannot be had (invalid
    UTF-8, or an escaped lone surrogate), which the serializer reports as a failed conversion."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if b"\\" in raw:
        text = json.loads(f'"{text}"')
    return None if SURROGATE.search(text) else text


def insert_path(reader_message: str, path: str) -> str:
    """ThrowHelper.ReThrowWithPath: "Path: ... |" goes in before the line number."""
    at = reader_message.rfind(" LineNumber: ")
    if at < 0:
        return f"{reader_message} Path: {path}."
    return f"{reader_message[:at]} Path: {path} |{reader_message[at:]}"


def property_key(name: str) -> str:
    """How a JSON name is matched to a declared property: OrdinalIgnoreCase (web defaults)."""
    return name.upper() if name.isascii() else name


class ObjectDeserializer:
    """JsonSerializer.Deserialize of a class whose properties are all strings, with ASP.NET Core's web
    defaults: names matched case-insensitively, unknown ones skipped (but still read), the last
    duplicate winning. Errors are raised at the first problem in document order, as the real
    serializer meets them while streaming."""

    def __init__(self, string_properties: Iterable[str], type_name: str) -> None:
        self.declared = {property_key(name): name for name in string_properties}
        self.type_name = type_name

    def deserialize(self, body: bytes) -> dict[str, str | None] | None:
        """The properties found, by their declared names; None for a JSON `null` body."""
        reader = Utf8JsonReader(body[len(UTF8_BOM) :] if body.startswith(UTF8_BOM) else body)
        state = _ReadState(reader)
        try:
            model = self._root(state)
            reader.read()  # only whitespace may follow the root value
            return model
        except _ReaderError as error:
            path = json_path(state.current)
            raise JsonReadError(path, insert_path(str(error), path)) from None

    def _root(self, state: _ReadState) -> dict[str, str | None] | None:
        first = state.reader.read()
        assert first is not None  # the reader raises rather than find nothing at the start
        if first.kind == "null":
            return None
        if first.kind != "{":
            raise state.conversion_error(self.type_name)
        values: dict[str, str | None] = {}
        while (token := state.reader.read()) is not None and token.kind == "property":
            state.current = decode_name(token.raw)
            value = state.reader.read()
            assert value is not None  # inside an object the reader raises at the end of data
            declared = self.declared.get(property_key(state.current))
            if declared is None:
                state.reader.skip(value)
            else:
                values[declared] = state.string_value(value)
            state.current = None
        return values


class _ReadState:
    """The reader and the property being read: the JSON path of any error."""

    def __init__(self, reader: Utf8JsonReader) -> None:
        self.reader = reader
        self.current: str | None = None

    def conversion_error(self, target: str) -> JsonReadError:
        path = json_path(self.current)
        message = f"{UNABLE_TO_CONVERT.format(target)} Path: {path} | {self.reader.position_suffix()}"
        return JsonReadError(path, message)

    def string_value(self, token: Token) -> str | None:
        if token.kind == "null":
            return None
        text = decode_string(token.raw) if token.kind == "string" else None
        if text is None:
            raise self.conversion_error("System.String")
        return text


def decode_name(raw: bytes) -> str:
    """A property name as the JSON path shows it: unescaped, invalid UTF-8 replaced."""
    text = raw.decode("utf-8", errors="replace")
    return json.loads(f'"{text}"') if b"\\" in raw else text


JS_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
RELAXED_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"})
NEEDS_CHECK = re.compile('[\x00-\x1f"\\\\\x7f-\U0010ffff]')


def _relaxed_escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in JS_ESCAPES:
        return JS_ESCAPES[char]
    code = ord(char)
    if code > 0xFFFF:
        high, low = divmod(code - 0x10000, 0x400)
        return f"\\u{0xD800 + high:04X}\\u{0xDC00 + low:04X}"
    category = unicodedata.category(char)
    if category in RELAXED_FORBIDDEN_CATEGORIES or (category == "Zs" and char != " "):
        return f"\\u{code:04X}"
    return char


def encode_string(text: str) -> str:
    """A JSON string as JavaScriptEncoder.UnsafeRelaxedJsonEscaping writes it: what MVC's
    SystemTextJsonOutputFormatter uses when the app sets no encoder. Non-ASCII text stays as it is;
    control, format, unassigned and private-use characters, separators other than the space, and
    everything outside the Basic Multilingual Plane (as a surrogate pair) are escaped as \\uXXXX."""
    return '"' + NEEDS_CHECK.sub(_relaxed_escape, text) + '"'


def dumps(value: object) -> str:
    """Compact JSON, keys in insertion order, strings escaped the way ASP.NET Core MVC writes them."""
    if isinstance(value, str):
        return encode_string(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{encode_string(str(key))}:{dumps(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    return json.dumps(value)
