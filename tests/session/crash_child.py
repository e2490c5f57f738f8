"""Child process for the crash test: a live session recording commands as fast as it can.

Each trial starts a new session (on this station, which takes its lease), prints
``SESSION <id>``, then after each acknowledged command ``ACK <command id> <step
index>``; the parent kills it with SIGKILL at a random moment, finds the
session interrupted and resumes it the way ``run`` does.
"""

from __future__ import annotations

import random
import sys

from vrtherapy.authoring import load_library
from vrtherapy.session import commands as c
from vrtherapy.session.clock import SystemClock
from vrtherapy.session.engine import Engine
from vrtherapy.session.store import open_store


def main() -> None:
    database, trial = sys.argv[1], int(sys.argv[2])
    library = load_library()
    store = open_store(database)
    clock = SystemClock()
    code = f"C-CRSH-{trial:04d}"
    engine = Engine.start(store, library, clock, code, library.hierarchy("heights.standard"))
    print(f"SESSION {engine.session_id} {engine.snapshot.step_index}", flush=True)
    rng = random.Random(trial)
    n = 0
    while True:
        n += 1
        cid = f"t{trial}-{n}"
        roll = rng.random()
        cmd: c.Command
        if roll < 0.1:
            cmd = c.StepUp(cid) if engine.snapshot.step_index < 5 else c.StepDown(cid)
        elif roll < 0.15:
            action = rng.choice(["pause", "blackout", "calm_scene", "resume"])
            cmd = c.Safety(cid, action=action, reason="crash test")  # type: ignore[arg-type]
        else:
            cmd = c.RecordSuds(cid, "client", value=float(rng.randint(0, 100)), source="headset")
        outcome = engine.handle(cmd)
        if outcome.accepted:
            print(f"ACK {cid} {engine.snapshot.step_index}", flush=True)


if __name__ == "__main__":
    main()
