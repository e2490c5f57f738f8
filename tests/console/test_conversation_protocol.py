"""The console's conversation commands: each becomes one checked session command."""

from __future__ import annotations

from typing import Any

import pytest

from vrtherapy.console.protocol import Context, ProtocolError, build_command
from vrtherapy.session import commands as c
from vrtherapy.session import conversation as conv

CTX = Context(None, frozenset({"interviewer"}))


@pytest.mark.parametrize(
    ("name", "args", "action"),
    [
        ("partner_start", {"partner_id": "interviewer"}, conv.StartConversation("interviewer")),
        (
            "partner_choose",
            {"partner_id": "interviewer", "index": 1},
            conv.ChooseOption("interviewer", 1, "therapist"),
        ),
        (
            "partner_trigger",
            {"partner_id": "interviewer", "trigger_id": "hurry"},
            conv.TriggerPartner("interviewer", "hurry"),
        ),
        ("partner_say_again", {"partner_id": "interviewer"}, conv.SayAgain("interviewer")),
        ("partner_skip", {"partner_id": "interviewer"}, conv.SkipLine("interviewer")),
        ("client_speaking", {}, conv.ClientStartsSpeaking("therapist")),
        (
            "partner_say",
            {"partner_id": "interviewer", "text": "Hej! Välkommen."},
            conv.SayThisNow("interviewer", "Hej! Välkommen."),
        ),
        (
            "partner_behaviour",
            {"partner_id": "interviewer", "name": "valence", "value": -0.5},
            conv.SetBehaviour("interviewer", "valence", -0.5),
        ),
        (
            "partner_behaviour",
            {"partner_id": "interviewer", "name": "attitude", "value": "bored"},
            conv.SetBehaviour("interviewer", "attitude", "bored"),
        ),
        (
            "partner_behaviour",
            {"partner_id": "interviewer", "name": "valence", "value": None},
            conv.SetBehaviour("interviewer", "valence", None),
        ),
        ("score_skill", {"skill": "comfort", "score": 4}, conv.ScoreSkill("comfort", 4, "")),
    ],
)
def test_conversation_commands(name: str, args: dict[str, Any], action: object) -> None:
    cmd = build_command(name, "cid-1", args, CTX)
    assert isinstance(cmd, c.Converse)
    assert cmd.command_id == "cid-1" and cmd.actor == "therapist" and cmd.action == action


@pytest.mark.parametrize(
    ("name", "args", "why"),
    [
        ("partner_start", {"partner_id": "boss"}, "no partner 'boss'"),
        ("partner_choose", {"partner_id": "interviewer", "index": -1}, "index"),
        ("partner_choose", {"partner_id": "interviewer", "index": True}, "whole number"),
        ("partner_say", {"partner_id": "interviewer", "text": "x" * 5000}, "text"),
        ("score_skill", {"skill": "comfort", "score": 6}, "score"),
        (
            "partner_behaviour",
            {"partner_id": "interviewer", "name": "valence", "value": 1e999},
            "value",
        ),
    ],
)
def test_conversation_commands_are_checked(name: str, args: dict[str, Any], why: str) -> None:
    with pytest.raises(ProtocolError, match=why):
        build_command(name, "cid-2", args, CTX)
