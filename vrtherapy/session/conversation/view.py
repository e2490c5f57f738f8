"""What the snapshot shows of the conversation (for the console and the headset)."""

from __future__ import annotations

from dataclasses import dataclass

from vrtherapy.partners.dialogue import DialogueRuntime
from vrtherapy.session.conversation.decide import Scene
from vrtherapy.session.conversation.state import ConversationState


@dataclass(frozen=True)
class PartnerView:
    """One partner as the console's partners panel and the headset's choice panel see it."""

    partner_id: str
    name: str
    node: str  # '' before it started or once ended
    line: str  # the latest line it said
    offers: tuple[tuple[int, str], ...]  # choices the client may make now (index, text)
    triggers: tuple[tuple[str, str], ...]  # therapist triggers now (id, label)
    deadline: float | None  # when the node's timeout fires (session time)
    started: bool
    ended: bool
    behaviour: tuple[tuple[str, float | str], ...]  # live values set by the therapist


@dataclass(frozen=True)
class ConversationView:
    partners: tuple[PartnerView, ...] = ()
    # (time, partner, text, source): source 'client'/'therapist' for the client's answers
    transcript: tuple[tuple[float, str, str, str], ...] = ()
    skills: tuple[tuple[str, str, int | None], ...] = ()  # (name, label, latest score)
    measures: tuple[tuple[str, float], ...] = ()
    turns: int = 0
    subtitles: bool = False  # the headset shows the partners' lines written


def view(state: ConversationState, scene: Scene) -> ConversationView:
    """What the snapshot shows of the conversation in the scenario shown now."""
    partners: list[PartnerView] = []
    for partner in scene.scenario.partners if scene.scenario else ():
        c = state.partner(partner.id)
        offers: tuple[tuple[int, str], ...] = ()
        triggers: tuple[tuple[str, str], ...] = ()
        deadline = None
        spec = scene.library.dialogues.get(partner.dialogue or "")
        if c is not None and not c.ended and spec is not None and c.node in spec.nodes:
            rt = DialogueRuntime(spec, 0)  # offers and deadlines do not depend on the seed
            ds = c.dialogue_state()
            offers = tuple((o.index, o.text) for o in rt.offers(ds))
            triggers = tuple((t.id, t.label) for t in spec.nodes[c.node].triggers)
            deadline = rt.deadline(ds)
        partners.append(
            PartnerView(
                partner.id,
                partner.name,
                c.node if c else "",
                state.last_line(partner.id)[0],
                offers,
                triggers,
                deadline,
                c is not None,
                c is not None and c.ended,
                tuple(sorted(state.behaviour_of(partner.id).items())),
            )
        )
    scores = dict(state.scores)
    skills = scene.scenario.skills if scene.scenario else []
    return ConversationView(
        tuple(partners),
        tuple((x.time, x.partner_id, x.text, x.source) for x in state.lines),
        tuple((k.name, k.label, scores.get(k.name)) for k in skills),
        state.measures,
        state.turns,
        state.subtitles,
    )
