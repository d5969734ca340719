"""`benchmarks.report`: the markdown of a small fixed set of results, and its figures."""

from __future__ import annotations

from typing import Any

from benchmarks import report


def _plan(seconds: float, reads: int, refused: int = 0) -> dict[str, Any]:
    return {
        "seconds": seconds,
        "peak_rss_mb": 100.0,
        "accounts": 1000,
        "actions": 6000,
        "write_calls": 7000,
        "errors": 0,
        "calls": {
            "read:get_accounts": reads - 1 + refused,
            "read:get_quota": 1,
            "token:access_token": 1,
        },
        "refused": {"read": refused} if refused else {},
    }


def _apply(made: int, refused: int = 0, exit_code: int = 0) -> dict[str, Any]:
    return {
        "seconds": 2.0,
        "plan_seconds": 0.5,
        "peak_rss_mb": 90.0,
        "exit_code": exit_code,
        "accounts": 10,
        "planned_write_calls": 70,
        "committed_writes": 70,
        "calls": {"write:cancel_schedule": made, "read:get_account": 20, "token:access_token": 1},
        "refused": {"write": refused} if refused else {},
    }


RESULTS: dict[str, Any] = {
    "command": "python -m benchmarks --sizes 1000 --repeat 3",
    "machine": {
        "cpus": 4,
        "python": "3.12.1",
        "implementation": "CPython",
        "platform": "Linux-6.1-x86_64-with-glibc2.36",
        "ksctl": "0.1.0",
        "commit": "0123456789",
        "ksctl_modified": False,
    },
    "repeat": 3,
    "default_read_rate": 20,
    "batch": 200,
    "elapsed_s": 95.0,
    "sizes": [
        {
            "accounts": 1000,
            "server_peak_rss_mb": 150.0,
            "runs": {
                "load": [
                    {"seconds": s, "peak_rss_mb": 60.0, "accounts": 1000}
                    for s in (0.05, 0.04, 0.30)
                ],
                "embedded": [_plan(s, 6) for s in (1.0, 1.2, 0.9)],
                "http": [_plan(s, 6) for s in (1.5, 1.4, 1.6)],
                "http-limited": [_plan(1.6, 6, refused=2)] * 3,
                "drift": [_plan(s, 6) for s in (0.2, 0.25, 0.3)],
            },
        }
    ],
    "apply": {
        "accounts": 10,
        "runs": [_apply(70)] * 3,
        "faults": {"error_rate": 0.05, "lost_response_rate": 0.05, "seed": 7},
        "fault_runs": [
            _apply(75, refused=3),
            _apply(79, refused=5, exit_code=3),
            _apply(77, refused=4),
        ],
    },
}


def test_render(snapshot: object) -> None:
    assert report.render(RESULTS) == snapshot


def test_figures_are_medians_next_to_their_baseline() -> None:
    text = report.render(RESULTS)
    # load median 0.05 s; in-process median 1.0 s = ×20.0; floor 6 admitted reads ÷ 20/s
    assert "| 1,000 | 0.050 | 1.000 (×20.0) | 1.500 (×30.0) | 1.600 | 0.300 |" in text
    assert "| 6 (+2 refused 400002) | 0.0060 |" in text
    assert "| 0.0060 | 0.250 (×5.0) | 100 / 150 |" in text  # the drift check's median
    assert "| faults: 5% errors, 5% lost responses | 10 | 70 | 77 (4 refused) | 70 | 1.10 |" in text
    assert "| 0, 3 |" in text
    assert "0123456789" in text and "4 CPUs" in text


def test_machine_names_no_host_and_no_user() -> None:
    import getpass
    import socket

    described = str(report.machine(report.Path(__file__).parent))
    assert socket.gethostname() not in described
    assert getpass.getuser() not in described
