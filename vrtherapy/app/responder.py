"""The synthetic client answering in-headset prompts during `vrtherapy run`.

Used for demonstrations and the console's end-to-end tests, when no person
wears the headset. Runs on the engine thread, from the console's tick. It rates
SUDS, comfort and expectancy when asked, and answers the virtual partners: when a
conversation waits for the client's choice it thinks a few seconds and picks one
(seeded; :class:`~vrtherapy.app.demo_conversation.ClientAnswers`, as in the demo).
The therapist's side (starting a partner, triggers, scores) stays the therapist's.
"""

from __future__ import annotations

from typing import Literal

from vrtherapy.app.command_ids import CommandIds
from vrtherapy.app.demo_conversation import ClientAnswers
from vrtherapy.session import commands as c
from vrtherapy.session import conversation as conv
from vrtherapy.session.service import SessionService
from vrtherapy.session.synthetic import ClientProfile, SyntheticClient


class SyntheticResponder:
    def __init__(self, service: SessionService, seed: int = 7, delay_s: float = 3.0) -> None:
        self.service = service
        self.seed = seed
        self.delay_s = delay_s  # session seconds before the client answers
        self._client: SyntheticClient | None = None
        self._answers: ClientAnswers | None = None
        self._offered: dict[tuple[str, str, int], float] = {}  # (partner, node, turn) -> since
        self._session: str | None = None
        self._entries = -1
        self._seen: dict[str, float] = {}
        self._done: set[str] = set()  # prompts answered or deliberately left unanswered
        self._ids = CommandIds(f"synthetic-{seed}")

    def tick(self) -> None:
        engine = self.service.engine
        if engine is None or not engine.state.running:
            return
        state, snap = engine.state, engine.snapshot
        if self._session != engine.session_id or self._client is None:
            self._session = engine.session_id
            self._client = SyntheticClient(ClientProfile(seed=self.seed), snap.suds_scale)
            self._answers = ClientAnswers(self._client)
            self._offered.clear()
            self._entries = -1
        if state.step_entries != self._entries:
            self._entries = state.step_entries
            self._client.enter_step(state.step_index, state.step_entered_at)
        if snap.safety != "none":
            return
        now = engine.now()
        for prompt in snap.prompts:
            if prompt.prompt_id in self._done:
                continue
            first = self._seen.setdefault(prompt.prompt_id, now)
            if now - first < self.delay_s:
                continue
            self._done.add(prompt.prompt_id)
            self._answer(prompt.kind, prompt.prompt_id, snap.anticipated_suds, snap.intensity, now)
        if snap.prompts:
            return  # a rating is asked: the choice panel is not shown
        assert self._answers is not None
        talk = snap.conversation
        for p in talk.partners:
            if not p.offers or p.ended:
                continue
            since = self._offered.setdefault((p.partner_id, p.node, talk.turns), now)
            index = self._answers.pick(p, talk.turns, since, now)
            if index is not None:
                choose = conv.ChooseOption(p.partner_id, index, "client")
                self.service.handle(c.Converse.of(self._ids(self._session or ""), "client", choose))

    def _answer(
        self, kind: str, prompt_id: str, anticipated: float, intensity: float, now: float
    ) -> None:
        client = self._client
        assert client is not None
        cid = self._ids(self._session or "")
        if kind == "suds":
            v = client.answer_suds(anticipated, intensity, now)
            if v is not None:
                self.service.handle(c.RecordSuds(cid, "client", v, "headset", prompt_id))
        elif kind == "comfort":
            v = client.answer_comfort()
            if v is not None:
                self.service.handle(c.RecordComfort(cid, "client", v, "headset", prompt_id))
        else:
            phase: Literal["before", "after"] = "before" if kind == "expectancy_before" else "after"
            v = client.answer_expectancy(phase, anticipated, intensity, now)
            if v is not None:
                self.service.handle(
                    c.RecordExpectancy(cid, "client", phase, v, prompt_id=prompt_id)
                )
