"""The demo's conversations with virtual partners, scripted on both sides.

On every tick of the demo: the therapist starts each partner's dialogue once its scene
is shown; the synthetic client picks one of the answers offered (seeded) after thinking
a few seconds (from the end of the partner's lines, where they are voiced); a node
that waits only for the therapist gets its first trigger after a pause; dialogue
timeouts fire in the engine's own tick. When the conversations of a
scene have ended, the therapist scores the scenario's skills 1–5 and, after a pause,
starts the interview again (practised until mastered, as in VR-JIT). The therapist's
scores follow the client's distress: the calmer the client, the better the scores.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from vrtherapy.authoring import Library
from vrtherapy.session import commands as c
from vrtherapy.session import conversation as conv
from vrtherapy.session.engine import Engine
from vrtherapy.session.synthetic import SyntheticClient
from vrtherapy.session.vocabulary import Actor

TRIGGER_AFTER_S = 10.0  # the scripted therapist presses a node's only way on after this
AGAIN_AFTER_S = 120.0  # and starts the interview again this long after scoring it


def skill_score(distress: float, rng: random.Random) -> int:
    """A scripted therapist's 1–5 score of a social skill for a client at ``distress``
    (0–100): calm clients come across better; a point of rater noise either way."""
    raw = 5.0 - distress / 25.0 + rng.choice((-1.0, 0.0, 0.0, 1.0)) * 0.6
    return max(1, min(5, round(raw)))


class ClientAnswers:
    """The synthetic client's side of a conversation: for each node that offers choices
    it thinks a few seconds (seeded) and picks one, or now and then says nothing and
    thinks again (a timeout may come first). Used by the demo and by ``vrtherapy run
    --synthetic-client``."""

    def __init__(self, client: SyntheticClient) -> None:
        self.client = client
        self._answer_at: dict[tuple[str, str, int], float] = {}

    def pick(self, p: conv.PartnerView, turns: int, since: float, now: float) -> int | None:
        """The dialogue's index of the choice the client gives ``p`` now (the node waiting
        since ``since``), or None while it thinks or says nothing."""
        if not p.offers or p.ended:
            return None
        key = (p.partner_id, p.node, turns)
        answer_at = self._answer_at.get(key)
        if answer_at is None:  # drawn once per node: how often it is asked changes nothing
            answer_at = self._answer_at[key] = since + self.client.thinking_s()
        if now < answer_at:
            return None
        row = self.client.choose(len(p.offers))
        if row is None:  # said nothing: think again
            self._answer_at[key] = now + self.client.thinking_s()
            return None
        return p.offers[row][0]


class ScriptedConversation:
    """Both sides of the demo's conversations (see the module); ``send`` hands a command
    to the engine and reports refusals."""

    def __init__(
        self,
        client: SyntheticClient,
        seed: int,
        ids: Iterator[str],
        send: Callable[[c.Command], object],
        talking: Callable[[str], bool] = lambda _partner_id: False,
    ) -> None:
        self.client = client
        self.talking = talking  # whether a partner is still saying its lines (voices)
        self.answers = ClientAnswers(client)
        self.rng = random.Random(seed * 7919 + 1)
        self.ids = ids
        self.send = send
        self._waiting: dict[tuple[str, str, int], float] = {}  # (partner, node, turn) -> since
        self._scored_at: float | None = None
        self._entries = -1
        self._began: dict[str, float] = {}  # partner -> when it last moved on (our action)

    def _converse(self, actor: Actor, action: conv.ConversationCommand, now: float) -> None:
        self.send(c.Converse.of(next(self.ids), actor, action))
        partner = getattr(action, "partner_id", "")
        if partner:
            self._began[partner] = now

    @staticmethod
    def client_to_answer(engine: Engine) -> bool:
        """A partner waits for the client's answer now."""
        return any(p.offers and not p.ended for p in engine.snapshot.conversation.partners)

    def tick(self, engine: Engine, library: Library, distress: float) -> None:
        snap = engine.snapshot
        state = engine.state
        if not state.running or snap.safety != "none":
            return
        now = engine.now()
        if state.step_entries != self._entries:  # a new step: a new scene, new partners
            self._entries, self._scored_at = state.step_entries, None
        talk = snap.conversation
        partners = [p for p in talk.partners if _has_dialogue(library, snap.scenario, p)]
        if not partners:
            return
        if all(p.ended for p in partners) and talk.skills:
            if self._scored_at is None:
                for name, _label, _score in talk.skills:
                    score = skill_score(distress, self.rng)
                    self._converse("therapist", conv.ScoreSkill(name, score), now)
                self._scored_at = now
            elif now - self._scored_at >= AGAIN_AFTER_S:
                self._scored_at = None
                for p in partners:
                    self._converse("therapist", conv.StartConversation(p.partner_id), now)
            return
        for p in partners:
            if not p.started:
                self._converse("therapist", conv.StartConversation(p.partner_id), now)
                continue
            if p.ended:
                continue
            key = (p.partner_id, p.node, talk.turns)
            # the node began when our last action moved it on, or (a timeout or trigger
            # moved it) when it was first seen
            if key not in self._waiting:
                self._waiting[key] = self._began.pop(p.partner_id, now)
            if self.talking(p.partner_id):  # the client hears the partner out first
                self._waiting[key] = now
                continue
            since = self._waiting[key]
            if p.offers:
                index = self.answers.pick(p, talk.turns, since, now)
                if index is not None:
                    choose = conv.ChooseOption(p.partner_id, index, "client")
                    self._converse("client", choose, now)
            elif p.triggers and p.deadline is None and now - since >= TRIGGER_AFTER_S:
                trigger = conv.TriggerPartner(p.partner_id, p.triggers[0][0])
                self._converse("therapist", trigger, now)


def _has_dialogue(library: Library, scenario: str, p: conv.PartnerView) -> bool:
    spec = library.scenarios.get(scenario)
    partner = next((x for x in spec.partners if x.id == p.partner_id), None) if spec else None
    return partner is not None and partner.dialogue is not None
