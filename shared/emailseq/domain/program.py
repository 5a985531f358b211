"""A sequence's steps compiled into a flat program the engine runs with one cursor.

Branches and splits become jumps, so an enrollment's position is a single index into an immutable program
derived from its (immutable) sequence version: nothing to migrate when documents grow new step kinds.
"""

from dataclasses import dataclass
from enum import StrEnum

from emailseq.domain.sequence import SequenceDocument
from emailseq.domain.steps import (
    BranchStep,
    EmailStep,
    ExitStep,
    SplitStep,
    Step,
    Strict,
    UpdateAttributeStep,
    WaitStep,
    WaitUntilStep,
    WebhookStep,
)


class Op(StrEnum):
    EMAIL = "email"
    WAIT = "wait"
    WAIT_UNTIL = "wait_until"
    BRANCH = "branch"  # falls through into `then` when the condition holds, else jumps to `target`
    JUMP = "jump"
    SPLIT = "split"  # jumps to one of `targets` (weight, index)
    UPDATE_ATTRIBUTE = "update_attribute"
    WEBHOOK = "webhook"
    EXIT = "exit"


@dataclass(frozen=True)
class Instruction:
    op: Op
    step: Step | None = None
    target: int = -1
    targets: tuple[tuple[int, int], ...] = ()


_SIMPLE: dict[type[Strict], Op] = {
    EmailStep: Op.EMAIL,
    WaitStep: Op.WAIT,
    WaitUntilStep: Op.WAIT_UNTIL,
    UpdateAttributeStep: Op.UPDATE_ATTRIBUTE,
    WebhookStep: Op.WEBHOOK,
    ExitStep: Op.EXIT,
}


def _emit(steps: list[Step], out: list[Instruction]) -> None:
    for step in steps:
        if isinstance(step, BranchStep):
            _emit_branch(step, out)
        elif isinstance(step, SplitStep):
            _emit_split(step, out)
        else:
            out.append(Instruction(_SIMPLE[type(step)], step))


def _emit_branch(step: BranchStep, out: list[Instruction]) -> None:
    test = len(out)
    out.append(Instruction(Op.BRANCH, step))
    _emit(step.branch.then, out)
    skip_else = len(out)
    out.append(Instruction(Op.JUMP))
    out[test] = Instruction(Op.BRANCH, step, target=len(out))
    _emit(step.branch.else_, out)
    out[skip_else] = Instruction(Op.JUMP, target=len(out))


def _emit_split(step: SplitStep, out: list[Instruction]) -> None:
    head = len(out)
    out.append(Instruction(Op.SPLIT, step))
    starts, exits = [], []
    for variant in step.split:
        starts.append((variant.weight, len(out)))
        _emit(variant.steps, out)
        exits.append(len(out))
        out.append(Instruction(Op.JUMP))
    out[head] = Instruction(Op.SPLIT, step, targets=tuple(starts))
    for position in exits:
        out[position] = Instruction(Op.JUMP, target=len(out))


_COMPILED: dict[str, tuple[Instruction, ...]] = {}
_CACHE_LIMIT = 512


def compile_program(document: SequenceDocument) -> tuple[Instruction, ...]:
    """Compiled once per sequence version in a warm Lambda (documents hold dicts, so they are not hashable:
    the cache is keyed by the content hash)."""
    key = document.fingerprint
    if key not in _COMPILED:
        if len(_COMPILED) >= _CACHE_LIMIT:
            _COMPILED.clear()
        out: list[Instruction] = []
        _emit(document.steps, out)
        _COMPILED[key] = tuple(out)
    return _COMPILED[key]
