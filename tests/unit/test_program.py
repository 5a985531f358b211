"""compile_program: a document's step tree flattened into instructions, branches and splits into jumps."""

from builders import branch, email, exit_step, sequence, split, update_attribute, variant, wait, wait_until, webhook
from emailseq.domain.program import Instruction, Op, compile_program


def _shape(program: tuple[Instruction, ...]) -> list[tuple[str, str | None, int, tuple[tuple[int, int], ...]]]:
    """Each instruction as (op, step id or kind, target, targets): easy to compare and to read in a failure."""
    shape = []
    for instruction in program:
        step = instruction.step
        name = None if step is None else (step.id or step.kind)
        shape.append((instruction.op.value, name, instruction.target, instruction.targets))
    return shape


def test_simple_steps_compile_one_instruction_each_in_document_order() -> None:
    # Given one step of every simple kind
    doc = sequence(
        email("a"),
        wait("1d"),
        wait_until("paid", "2d"),
        update_attribute("u", plan="pro"),
        webhook("w"),
        exit_step(),
    )
    # When compiled / Then one instruction per step, same order, no jumps
    assert _shape(compile_program(doc)) == [
        ("email", "a", -1, ()),
        ("wait", "wait", -1, ()),
        ("wait_until", "wait_until", -1, ()),
        ("update_attribute", "u", -1, ()),
        ("webhook", "w", -1, ()),
        ("exit", "exit", -1, ()),
    ]


def test_a_branch_falls_through_into_then_and_jumps_over_it_into_else() -> None:
    # Given a branch with two steps in `then` and one in `else`, between two emails
    doc = sequence(
        email("first"),  # 0
        branch("b", [email("t1"), email("t2")], [email("e1")], opened="first"),  # 1 branch, 2-3 then, 4 jump, 5 else
        email("after"),  # 6
    )
    # When compiled
    program = compile_program(doc)
    # Then the branch jumps to the else part (5) when false, and the then part ends by jumping past else (6)
    assert _shape(program) == [
        ("email", "first", -1, ()),
        ("branch", "b", 5, ()),
        ("email", "t1", -1, ()),
        ("email", "t2", -1, ()),
        ("jump", None, 6, ()),
        ("email", "e1", -1, ()),
        ("email", "after", -1, ()),
    ]


def test_a_branch_without_else_jumps_to_the_step_after_it() -> None:
    doc = sequence(email("a"), branch("b", [email("t")], event="paid"), email("z"))
    # 0 a, 1 branch, 2 t, 3 jump (to 4), 4 z: false goes straight to z as well
    assert _shape(compile_program(doc)) == [
        ("email", "a", -1, ()),
        ("branch", "b", 4, ()),
        ("email", "t", -1, ()),
        ("jump", None, 4, ()),
        ("email", "z", -1, ()),
    ]


def test_a_split_jumps_to_each_variants_start_with_its_weight_and_every_variant_rejoins_after_it() -> None:
    # Given a 3-way split (weights 1, 2, 0), the middle variant empty, followed by one email
    doc = sequence(
        split(
            "s",
            variant("a", [email("a1"), email("a2")], weight=1),
            variant("b", [], weight=2),
            variant("c", [email("c1")], weight=0),
        ),
        email("z"),
    )
    program = compile_program(doc)
    # Then: 0 split, 1-2 variant a, 3 jump, 4 jump (empty variant b), 5 c1, 6 jump, 7 z
    assert _shape(program) == [
        ("split", "s", -1, ((1, 1), (2, 4), (0, 5))),
        ("email", "a1", -1, ()),
        ("email", "a2", -1, ()),
        ("jump", None, 7, ()),
        ("jump", None, 7, ()),
        ("email", "c1", -1, ()),
        ("jump", None, 7, ()),
        ("email", "z", -1, ()),
    ]


def test_a_branch_nested_inside_a_split_gets_absolute_targets() -> None:
    # Given a split whose second variant holds a branch (with else), then a final email
    doc = sequence(
        email("start"),  # 0
        split(
            "s",  # 1
            variant("plain", [email("p")]),  # 2 p, 3 jump
            variant("tested", [branch("b", [email("t")], [email("e")], clicked="start"), email("v")]),
        ),
        email("end"),
    )
    program = compile_program(doc)
    # Then: 4 branch (else at 7), 5 t, 6 jump (to 8), 7 e, 8 v, 9 variant jump (to 10), 10 end
    assert _shape(program) == [
        ("email", "start", -1, ()),
        ("split", "s", -1, ((1, 2), (1, 4))),
        ("email", "p", -1, ()),
        ("jump", None, 10, ()),
        ("branch", "b", 7, ()),
        ("email", "t", -1, ()),
        ("jump", None, 8, ()),
        ("email", "e", -1, ()),
        ("email", "v", -1, ()),
        ("jump", None, 10, ()),
        ("email", "end", -1, ()),
    ]


def test_every_jump_target_lies_inside_the_program_or_at_its_end() -> None:
    # Given a deeply nested document / When compiled
    doc = sequence(
        branch(
            "outer",
            [split("s", variant("x", [branch("inner", [email("i")], event="paid")]), variant("y", [email("y1")]))],
            [email("o")],
            event="visited",
        )
    )
    program = compile_program(doc)
    # Then no target points before the jump's own position or past the end (the engine treats `len` as "done")
    checked = 0
    for position, instruction in enumerate(program):
        if instruction.op is Op.SPLIT:
            targets = [start for _, start in instruction.targets]
        elif instruction.op in (Op.BRANCH, Op.JUMP):
            targets = [instruction.target]
        else:
            continue
        for target in targets:
            assert position < target <= len(program)
            checked += 1
    # outer branch + its jump, the split's 2 starts + 2 variant jumps, inner branch + its jump
    assert checked == 8


def test_compiling_is_stable_for_equal_documents() -> None:
    # Given the same document validated twice / When compiled / Then the programs are equal
    steps = [email("a"), branch("b", [email("t")], event="paid")]
    assert compile_program(sequence(*steps)) == compile_program(sequence(*steps))
