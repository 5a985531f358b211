"""`emailseq simulate`: a dry run of a sequence over a synthetic audience, in memory.

The production use cases (enroll, schedule, run_step, tracking) run unchanged against in-memory adapters of the
ports (`memory`, `enrollments`) and a settable clock; `audience` makes up the contacts and how they behave, `run`
moves the clock and `report` prints the funnel and the per-day timeline (and draws the optional chart).
"""
