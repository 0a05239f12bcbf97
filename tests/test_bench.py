"""The benchmark's own logic (its figures are printed by `make bench`, never asserted as timings here)."""

import pytest

from bench.bench import Load, median_result, parse_wrk

WRK_OUTPUT = """Running 4s test @ http://127.0.0.1:9000/dots/api/v2/users
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     9.43ms    3.10ms  52.11ms   88.51%
    Req/Sec     3.41k   210.33     3.80k    71.00%
  Latency Distribution
     50%    8.95ms
     75%   10.12ms
     90%   12.40ms
     99%   21.07ms
  13580 requests in 4.00s, 8.73MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 1, write 0, timeout 2
Requests/sec:   3394.60
Transfer/sec:      2.18MB
"""


def test_parse_wrk_reads_throughput_percentiles_and_errors():
    result = parse_wrk(WRK_OUTPUT)
    assert (result.requests, result.rps, result.p50_ms, result.p99_ms, result.errors) == (
        13580,
        3394.60,
        8.95,
        21.07,
        6,
    )


def test_parse_wrk_converts_microseconds_and_seconds():
    output = WRK_OUTPUT.replace("8.95ms", "850.00us").replace("21.07ms", "1.20s")
    result = parse_wrk(output)
    assert result.p50_ms == pytest.approx(0.85)
    assert result.p99_ms == pytest.approx(1200.0)


def test_median_result_takes_the_median_of_each_figure():
    runs = [parse_wrk(WRK_OUTPUT.replace("3394.60", rps)) for rps in ("100.0", "300.0", "200.0")]
    assert median_result(runs)["rps"] == 200.0
    assert median_result(runs)["errors"] == 18


def test_a_load_script_sets_method_headers_and_a_unique_body():
    script = Load("create", "POST", "/users", {"x-api-key": '"k"'}, "'{\"n\":\"' .. unique() .. '\"}'").lua()
    assert 'wrk.method = "POST"' in script
    assert 'wrk.headers["x-api-key"] = "k"' in script
    assert "return wrk.format(nil, nil, nil, '{\"n\":\"' .. unique() .. '\"}')" in script
