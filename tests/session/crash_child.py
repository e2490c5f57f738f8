"""Child process for the crash test: records ratings as fast as it can.

After each acknowledged command it prints ``ACK <command id> <step index>``; the
parent kills it with SIGKILL at a random moment and checks the store.
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
    sessions = store.streams(kind="session")
    if sessions:
        engine = Engine.resume(store, library, clock, sessions[0].stream)
    else:
        engine = Engine.start(
            store, library, clock, "C-CRSH-TEST", library.hierarchy("heights.standard")
        )
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
        else:
            cmd = c.RecordSuds(cid, "client", value=float(rng.randint(0, 100)), source="headset")
        outcome = engine.handle(cmd)
        if outcome.accepted:
            print(f"ACK {cid} {engine.snapshot.step_index}", flush=True)


if __name__ == "__main__":
    main()
