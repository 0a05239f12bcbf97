"""The benchmark's own logic (its figures are printed by `make bench`, never asserted as timings here)."""

import pytest

from bench import targets
from bench.bench import (
    NO_HIREDIS,
    STORE_SETUPS,
    WITHOUT_HIREDIS,
    Load,
    cost_ratios,
    hiredis_worth,
    median_result,
    parse_wrk,
    store_keys,
    stores_lines,
    with_bare_ratios,
)

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


def bench_report(dots_c32_rps=4000.0, dots_c32_p99=40.0, dots_c1_rps=2900.0) -> dict:
    """A report as `make bench` writes it, with the figures the targets read."""

    def row(rps: float, p99: float) -> dict:
        return {"requests": 1, "rps": rps, "p50_ms": 1.0, "p99_ms": p99, "errors": 0}

    shared = {
        "bare-flask/create/c1": row(3500.0, 1.0),
        "bare-flask/create/c32": row(4500.0, 30.0),
        "bare-flask-wsgi/create/c1": row(3600.0, 1.0),
        "bare-flask-wsgi/create/c32": row(5000.0, 25.0),
        "dots/create/c1": row(dots_c1_rps, 2.0),
        "dots/create/c32": row(dots_c32_rps, dots_c32_p99),
    }
    return {
        "startup": {"median_ms": 230.0, "runs_ms": [230.0],
                    "baselines": {"bare-flask": {"median_ms": 200.0}}},
        "throughput": {"shared": shared},
        "memory": {"users_stored": 100_214, "after_users_mb": 190.0, "soak_requests_late": 1_002_000,
                   "soak_growth_pct": -10.5},
    }  # fmt: skip


def rows_by_key(rows: list[dict], placement: str = "shared") -> dict[str, dict]:
    return {row["target"]: row for row in rows if row["placement"] == placement}


def test_each_target_is_the_figure_over_the_bare_endpoints_against_its_bound():
    rows = rows_by_key(targets.evaluate_targets(bench_report()))
    startup = rows["startup"]
    assert (startup["measured"], startup["bare"], startup["ratio"], startup["met"]) == (
        230.0,
        200.0,
        1.15,
        True,
    )
    assert (rows["dots-create-c32-rps"]["ratio"], rows["dots-create-c32-rps"]["met"]) == (0.889, True)
    assert (rows["dots-create-c32-p99"]["ratio"], rows["dots-create-c32-p99"]["met"]) == (1.333, True)
    assert (rows["dots-create-c1-rps"]["ratio"], rows["dots-create-c1-rps"]["met"]) == (0.829, True)
    assert [targets.status(row) for row in rows.values()] == ["met"] * 4 + ["not met", "met"]


def test_throughput_targets_fail_below_their_bounds():
    rows = rows_by_key(targets.evaluate_targets(bench_report(3500.0, 61.0, 2700.0)))
    throughput = ("dots-create-c32-rps", "dots-create-c32-p99", "dots-create-c1-rps")
    assert [rows[key]["met"] for key in throughput] == [False, False, False]


def test_memory_targets_are_fixed_bounds_and_a_shrinking_soak_is_not_flat_either():
    rows = rows_by_key(targets.evaluate_targets(bench_report()))
    rss = rows["rss-100k-users"]
    assert (rss["bare"], rss["ratio"], rss["goal"], rss["met"]) == (None, None, "≤ 200 MB", True)
    assert (rows["soak-growth"]["met"], rows["soak-growth"]["goal"]) == (False, "within ±10%")


def test_a_run_short_of_the_targets_scale_says_so():
    report = bench_report()
    report["memory"].update(users_stored=10_021, soak_requests_late=100_512)
    rows = rows_by_key(targets.evaluate_targets(report))
    assert targets.status(rows["rss-100k-users"]) == "met (at 10,021 users)"
    assert targets.status(rows["soak-growth"]) == "not met (at 100,512 requests)"


def test_what_a_run_did_not_measure_is_not_measured_and_pinned_rows_follow_the_headline():
    report = bench_report()
    del report["memory"], report["startup"]["baselines"]
    rows = targets.evaluate_targets(report)
    assert [row["placement"] for row in rows] == ["shared"] * 6 + ["pinned"] * 3
    shared = rows_by_key(rows)
    assert {key for key, row in shared.items() if row["met"] is None} == {
        "startup",
        "soak-growth",
        "rss-100k-users",
    }
    assert all(targets.status(row) == "not measured" for row in rows_by_key(rows, "pinned").values())
    assert all(row["met"] is None for row in targets.not_measured())


def test_cost_ratios_price_the_machinery_and_the_front():
    rows = bench_report()["throughput"]["shared"]
    assert cost_ratios(rows, (1, 32)) == {
        "machinery-cost/c1": 1.21,
        "front-cost/c1": 1.03,
        "machinery-cost/c32": 1.12,
        "front-cost/c32": 1.11,
    }


def test_the_docs_show_the_targets_and_say_not_measured_for_an_older_report():
    from tools import docs

    table = docs.targets_table(targets.evaluate_targets(bench_report()))
    assert (
        "| start to first answered API request | shared | 230 ms | 200 ms | 1.15× | ≤ 1.15× bare | met |"
        in table
    )
    older = docs.targets_table(None)
    assert older.count("| not measured |") == len(targets.not_measured()) == 9
    assert docs.predates_the_front({"throughput": {"shared": {"bare-flask/create/c1": {}}}})
    assert not docs.predates_the_front(bench_report())


def test_a_ratio_just_short_of_its_bound_is_not_met_though_it_prints_rounded():
    rows = rows_by_key(targets.evaluate_targets(bench_report(dots_c1_rps=2798.6)))  # 0.79960 of 3,500
    assert (rows["dots-create-c1-rps"]["ratio"], rows["dots-create-c1-rps"]["met"]) == (0.8, False)


def wrk_row(rps: float, p50: float = 1.0, p99: float = 2.0, errors: int = 0) -> dict:
    return {"requests": 1, "rps": rps, "p50_ms": p50, "p99_ms": p99, "errors": errors}


def test_the_stores_rows_go_by_connections_with_the_bare_endpoint_first_and_hiredis_off_at_32_only():
    keys = store_keys(STORE_SETUPS, ("dots", "dakota"), (1, 32))
    assert keys[:5] == [
        "bare-flask/create/c1",
        "memory/dots/create/c1",
        "memory/dakota/create/c1",
        "redis-1/dots/create/c1",
        "redis-1/dakota/create/c1",
    ]
    assert keys.index("bare-flask/create/c32") == 7
    assert [key for key in keys if key.startswith(NO_HIREDIS)] == [
        f"{NO_HIREDIS}/dots/create/c32",
        f"{NO_HIREDIS}/dakota/create/c32",
    ]
    assert len(keys) == 2 + 3 * 2 * 2 + 2


def test_each_store_row_is_priced_against_bare_flask_at_its_own_connection_count():
    rows = with_bare_ratios(
        {
            "bare-flask/create/c1": wrk_row(1000.0),
            "redis-1/dots/create/c1": wrk_row(250.0),
            "bare-flask/create/c32": wrk_row(3000.0),
            "redis-2/dots/create/c32": wrk_row(1000.0),
        }
    )
    assert [row["vs_bare"] for row in rows.values()] == [1.0, 0.25, 1.0, 0.333]
    assert rows["redis-1/dots/create/c1"]["rps"] == 250.0  # the figures themselves are kept
    assert (
        with_bare_ratios({"memory/dots/create/c1": wrk_row(700.0)})["memory/dots/create/c1"]["vs_bare"]
        is None
    )


def test_hiredis_is_worth_redis_1s_req_s_over_the_same_servers_without_it():
    rows = {
        "redis-1/dots/create/c1": wrk_row(300.0),
        "redis-1/dots/create/c32": wrk_row(440.0),
        "redis-1/dakota/create/c32": wrk_row(400.0),
        "redis-2/dots/create/c32": wrk_row(600.0),
        f"{NO_HIREDIS}/dots/create/c32": wrk_row(400.0),
        f"{NO_HIREDIS}/dakota/create/c32": wrk_row(0.0),  # nothing answered: no ratio
    }
    assert hiredis_worth(rows) == {"dots/create/c32": 1.1}


def test_the_stores_table_shows_each_row_its_ratio_and_what_hiredis_is_worth():
    rows = with_bare_ratios(
        {
            "bare-flask/create/c32": wrk_row(3000.0, 10.0, 20.0),
            "redis-1/dots/create/c32": wrk_row(440.0, 70.5, 110.25, errors=2),
            f"{NO_HIREDIS}/dots/create/c32": wrk_row(400.0),
            "redis-2/dots/create/c1": wrk_row(400.0),  # no bare figure at 1 connection
        }
    )
    stores = {"placement": "shared", "redis_server": "7.0.15", "hiredis": "3.5.0", "rows": rows,
              "hiredis_loaded": {"redis-1": True, NO_HIREDIS: False},
              "hiredis_worth": hiredis_worth(rows)}  # fmt: skip
    lines = stores_lines(stores)
    assert lines[0].startswith("stores, shared (redis-server 7.0.15, hiredis 3.5.0;")
    width = len(f"{NO_HIREDIS}/dots/create/c32") + 2
    assert lines[1] == f"{'workload':<{width}}     req/s    p50 ms    p99 ms  errors  vs bare"
    assert lines[3] == f"{'redis-1/dots/create/c32':<{width}}       440     70.50    110.25       2    0.15x"
    assert lines[5].endswith("  –")
    assert "redis-1 yes" in lines[6] and f"{NO_HIREDIS} no" in lines[6]
    assert lines[7] == f"{'dots/create/c32':<{width}}     1.100x"
    del stores["hiredis_worth"]["dots/create/c32"]
    assert len(stores_lines(stores)) == 6  # nothing to compare: no hiredis lines


def test_each_store_setup_serves_the_mock_alike_but_for_its_store_workers_and_hiredis():
    commands = {
        setup.name: setup.served("redis://127.0.0.1:7/0", "ns").command(9000) for setup in STORE_SETUPS
    }
    assert commands["memory"][1:] == [
        "-m",
        "mock_server",
        "--port",
        "9000",
        "--no-fixtures",
        "--workers",
        "1",
    ]
    assert commands["redis-2"][-7:] == [
        "--no-fixtures", "--store", "redis://127.0.0.1:7/0", "--store-namespace", "ns", "--workers", "2"
    ]  # fmt: skip
    assert commands[NO_HIREDIS][1:3] == ["-c", WITHOUT_HIREDIS]
    assert commands[NO_HIREDIS][3:] == commands["redis-1"][3:]
