"""Seeded fault injection: which request fails is a function of (seed, request number).

The request number is a counter in the world file, so the same sequence of requests
against the same seeded world meets the same faults: a failing run can be replayed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ksctl.sandbox.world import Faults


@dataclass(frozen=True)
class Draw:
    error: bool  # refuse (503000) before handling: nothing happened
    lost: bool  # for a write: commit, then refuse (503000) as if the answer was lost


def draw(faults: Faults, seq: int) -> Draw:
    if faults.error_rate <= 0 and faults.lost_response_rate <= 0:
        return Draw(error=False, lost=False)
    rng = random.Random(f"{faults.seed}:{seq}")
    error = rng.random() < faults.error_rate
    lost = rng.random() < faults.lost_response_rate
    return Draw(error=error, lost=lost)
