"""Conversations with virtual partners in a session: commands, events and their fold.

Every line a partner speaks, every choice the client makes (in the headset, or marked
by the therapist, Wizard-of-Oz), every therapist trigger, "say again", "skip",
free-text "say this now", skill score (1–5), automatic measure and live change of a
partner's behaviour is an event (:mod:`.events`). The events carry their outcome, so
:func:`fold` (:mod:`.state`) rebuilds the conversation without running the dialogue:
a replay shows exactly what was said even if the dialogue file changed since.
:func:`decide` (:mod:`.decide`) finds what an action causes; :func:`view`
(:mod:`.view`) is what the snapshot shows; :func:`describe` (:mod:`.timeline`) the
timeline's line.
"""

from vrtherapy.session.conversation.decide import (
    KIND_OF,
    KINDS,
    CheckTimeouts,
    ChooseOption,
    ClientStartsSpeaking,
    ConversationCommand,
    ConversationKind,
    ConversationRejected,
    LineFinished,
    LinePlayed,
    RecordMeasure,
    SayAgain,
    SayThisNow,
    Scene,
    ScoreSkill,
    SetBehaviour,
    ShowSubtitles,
    SkipLine,
    StartConversation,
    TriggerPartner,
    decide,
)
from vrtherapy.session.conversation.events import (
    EVENTS,
    ClientSpeaking,
    DialogueChoiceMade,
    DialogueReached,
    DialogueTimedOut,
    DialogueTriggered,
    MarkedBy,
    MeasureRecorded,
    PartnerBehaviourSet,
    PartnerCutIn,
    PartnerLineFinished,
    PartnerLinePlayed,
    PartnerLineSkipped,
    PartnerLineSpoken,
    SkillScored,
    SubtitlesSet,
)
from vrtherapy.session.conversation.state import (
    FOLDED,
    ConversationState,
    LineHeard,
    PartnerConversation,
    fold,
)
from vrtherapy.session.conversation.timeline import describe
from vrtherapy.session.conversation.view import ConversationView, PartnerView, view

__all__ = [
    "EVENTS",
    "FOLDED",
    "KINDS",
    "KIND_OF",
    "CheckTimeouts",
    "ChooseOption",
    "ClientSpeaking",
    "ClientStartsSpeaking",
    "ConversationCommand",
    "ConversationKind",
    "ConversationRejected",
    "ConversationState",
    "ConversationView",
    "DialogueChoiceMade",
    "DialogueReached",
    "DialogueTimedOut",
    "DialogueTriggered",
    "LineFinished",
    "LineHeard",
    "LinePlayed",
    "MarkedBy",
    "MeasureRecorded",
    "PartnerBehaviourSet",
    "PartnerConversation",
    "PartnerCutIn",
    "PartnerLineFinished",
    "PartnerLinePlayed",
    "PartnerLineSkipped",
    "PartnerLineSpoken",
    "PartnerView",
    "RecordMeasure",
    "SayAgain",
    "SayThisNow",
    "Scene",
    "ScoreSkill",
    "SetBehaviour",
    "ShowSubtitles",
    "SkillScored",
    "SkipLine",
    "StartConversation",
    "SubtitlesSet",
    "TriggerPartner",
    "decide",
    "describe",
    "fold",
    "view",
]
