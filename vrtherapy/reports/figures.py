"""Report plots as PNG bytes, drawn with matplotlib's object API on the Agg canvas
(no pyplot, no global backend, nothing shown on screen)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from vrtherapy.reports.progress import ClientProgress
from vrtherapy.reports.session import SessionReport

_SAFETY_COLOUR = "#c0392b"
_PROPOSAL_COLOUR = "#1f6fb2"
_STEP_COLOUR = "#7f8c8d"
_DPI = 110


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI, bbox_inches="tight")
    return buf.getvalue()


def suds_figure(report: SessionReport) -> bytes:
    """SUDS over time with step boundaries, prompts, proposals and safety events marked;
    the Fast Motion Sickness ratings below when there are any."""
    panels = ["suds"] + ["comfort"] * bool(report.comfort)
    panels += ["behaviour"] * bool(report.behaviour_series)
    heights = {"suds": 3.0, "comfort": 1.0, "behaviour": 1.3}
    fig = Figure(figsize=(9.0, 4.2 + 1.4 * (sum(heights[p] for p in panels) - 3.0)))
    axes = fig.subplots(
        len(panels),
        1,
        sharex=True,
        squeeze=False,
        gridspec_kw={"height_ratios": [heights[p] for p in panels]},
    )[:, 0]
    ax = axes[0]
    end_min = max(report.header.duration_s / 60, 1.0)
    for trial in report.trials:
        x0 = trial.start / 60
        ax.axvline(x0, color=_STEP_COLOUR, linewidth=0.8, linestyle="--")
        ax.text(
            x0 + end_min * 0.005,
            101,
            f"S{trial.step_index + 1}",
            fontsize=8,
            color="#34495e",
            va="bottom",
        )
    for m in report.markers:
        if m.kind == "prompt" and m.label == "suds":
            ax.plot([m.time / 60], [1.5], marker="|", color="#95a5a6", markersize=6)
    for prop in report.proposals:
        ax.plot(
            [prop.time / 60],
            [94],
            marker="^" if prop.direction in ("up", "variation") else "v",
            color=_PROPOSAL_COLOUR,
            markersize=7,
            linestyle="none",
        )
    for s in report.safety:
        ax.axvline(s.time / 60, color=_SAFETY_COLOUR, linewidth=1.6)
        ax.text(
            s.time / 60,
            50,
            s.action.replace("_", " "),
            rotation=90,
            fontsize=8,
            color=_SAFETY_COLOUR,
            ha="right",
            va="center",
        )
    for trial in report.trials:
        if trial.ratings:
            ax.plot(
                [r.time / 60 for r in trial.ratings],
                [r.normalised for r in trial.ratings],
                marker="o",
                markersize=3.5,
                linewidth=1.4,
                color="#2c3e50",
            )
    ax.set_ylim(0, 108)
    ax.set_xlim(0, end_min * 1.01)
    ax.set_ylabel("SUDS (0–100)")
    ax.grid(axis="y", color="#ecf0f1")
    ax.set_title(
        "SUDS over time — dashed: step entered (S = step), ▲▼ proposals, red: safety events, "
        "ticks: SUDS prompts",
        fontsize=9,
        loc="left",
    )
    if "comfort" in panels:
        cx = axes[panels.index("comfort")]
        cx.plot(
            [c.time / 60 for c in report.comfort],
            [c.value for c in report.comfort],
            marker=".",
            color="#8e44ad",
            linewidth=1,
        )
        cx.set_ylim(0, 20)
        cx.set_ylabel("FMS (0–20)")
        cx.grid(axis="y", color="#ecf0f1")
    if "behaviour" in panels:
        _behaviour_strip(axes[panels.index("behaviour")], report)
    axes[-1].set_xlabel("session time (minutes)")
    return _png(fig)


def _behaviour_strip(bx: Axes, report: SessionReport) -> None:
    """Looking at / away from the stimulus and looking down, per minute."""
    series = report.behaviour_series
    minutes = [t / 60 for t, _ in series]
    for key, label, colour, style in (
        ("at_share", "looking at", "#27ae60", "-"),
        ("away_share", "looking away", "#d35400", "-"),
        ("down_share", "looking down", "#7f8c8d", ":"),
    ):
        values = [getattr(b, key) for _, b in series]
        shown = [(m, 100 * v) for m, v in zip(minutes, values, strict=True) if v is not None]
        if shown:
            bx.plot(
                [m for m, _ in shown],
                [v for _, v in shown],
                color=colour,
                linestyle=style,
                linewidth=1.2,
                label=label,
            )
    for trial in report.trials:
        bx.axvline(trial.start / 60, color=_STEP_COLOUR, linewidth=0.8, linestyle="--")
    bx.set_ylim(0, 100)
    bx.set_ylabel("head, %\nof minute")
    bx.grid(axis="y", color="#ecf0f1")
    bx.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=7, ncol=3, frameon=False)


def between_sessions_figure(progress: ClientProgress) -> bytes:
    """End SUDS of each hierarchy item across sessions (between-session habituation)."""
    fig = Figure(figsize=(9.0, 4.0))
    ax = fig.subplots()
    sessions = [s.label for s in progress.sessions]
    for item in progress.items:
        points = [(i, v) for i, v in enumerate(item.end_suds) if v is not None]
        if points:
            ax.plot(
                [i for i, _ in points],
                [v for _, v in points],
                marker="o",
                linewidth=1.4,
                label=item.label,
            )
    ax.set_xticks(range(len(sessions)), sessions, fontsize=8)
    ax.set_xlim(-0.3, max(len(sessions) - 0.7, 0.3))
    ax.set_ylim(0, 100)
    ax.set_ylabel("end SUDS (0–100)")
    ax.set_xlabel("session")
    ax.grid(axis="y", color="#ecf0f1")
    ax.set_title("End SUDS per hierarchy item across sessions", fontsize=9, loc="left")
    if progress.items:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _png(fig)


def scores_figure(progress: ClientProgress, series_ids: Sequence[str]) -> bytes:
    """Questionnaire scores by administration (session number and when), one line per score.

    The x axis is the order of administrations, not the clock, so the points of
    one session (baseline, post) sit side by side and sessions read left to right.
    """
    number = {s.session_id: s.number for s in progress.sessions}
    slots = sorted(
        {
            (number[p.session_id], p.wall_time, p.when)
            for sid in series_ids
            for p in progress.scores[sid].points
        }
    )
    x_of = {(n, t, w): i for i, (n, t, w) in enumerate(slots)}
    fig = Figure(figsize=(9.0, 3.6))
    ax = fig.subplots()
    for sid in series_ids:
        series = progress.scores[sid]
        ax.plot(
            [x_of[(number[p.session_id], p.wall_time, p.when)] for p in series.points],
            [p.value for p in series.points],
            marker="o",
            linewidth=1.4,
            label=series.label,
        )
    ax.set_xticks(
        range(len(slots)), [f"S{n} {w}".strip() for n, _, w in slots], fontsize=7, rotation=30
    )
    ax.set_xlabel("session and administration")
    ax.set_ylabel("score")
    ax.grid(axis="y", color="#ecf0f1")
    ax.set_title("Questionnaire scores over sessions", fontsize=9, loc="left")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _png(fig)
