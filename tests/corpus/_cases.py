"""The corpus flows and what each is expected to do (read by tests/test_corpus.py).

Each flow reproduces the shape and API usage of public Metaflow flows (the
tutorials, Metaflow's QA flows and test graphs, training pipelines, scheduled
and event-driven jobs); names and bodies are the corpus's own.  The printed
texts in ``prints`` are what Metaflow 2.19 prints for the same run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

CORPUS = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Case:
    """One corpus flow and what is expected of it."""

    #: File name in tests/corpus.
    file: str
    #: ``--flow`` when the file defines several flow classes.
    flow: str | None = None
    #: ``--param`` values for ``flowc run``; None: not run (packages, cloud-only decorators).
    run: tuple[str, ...] | None = None
    #: Text the run must print (what Metaflow 2.19 prints for the same run).
    prints: tuple[str, ...] = ()
    #: After the run: (step, card id or "", text) the step's card must show, rendered without error.
    cards: tuple[tuple[str, str, str], ...] = ()
    #: Run by default; the other runnable flows run with FLOWC_CORPUS_RUN_ALL=1.
    smoke: bool = False
    #: Target → rule the compile must fail with (a documented limitation of that target).
    rejects: dict[str, str] = field(default_factory=dict)
    #: Aspect (check, oracle, params, argo, sfn, airflow, run, cards, sims) → why flowc fails it
    #: today; the Argo and SFN simulations (sims) also inherit the reason given for their target.
    xfail: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return CORPUS / self.file

    def flow_args(self) -> list[str]:
        return ["--flow", self.flow] if self.flow else []



CASES = [
    # Shapes.
    Case("hello_linear.py", run=(), prints=("the artifact is now: HELLO CORPUS!",)),
    Case("branch_merge_artifacts.py", run=(), prints=("shared: 10 only left: 42", "score 3")),
    Case("nested_branches.py", run=(), prints=("features: [10, 24, 3, 3, 5]",)),
    Case("foreach_genre_stats.py", run=(), prints=("crime: 2 (newest Fargo)", "animation: 2 (newest Coco)")),
    Case("nested_foreach_grid.py", run=(), prints=("winner: tree (0.01, 1.0301)",)),
    Case(
        "crossval_multistep_foreach.py",
        run=(),
        prints=("model=0 accuracy=0.167 registered=False",),
        smoke=True,
    ),
    Case("join_idioms.py", run=(), prints=("best: s2 count: 3 sides: ['L', 'R']",)),
    Case(
        "foreach_stack_nested.py",
        run=(),
        prints=("0of2=r0/0of3=c0 6",),
    ),
    Case("switch_on_parameter.py", run=("mode=quick",), prints=("[end/t] start\n",)),
    Case("nested_switch.py", run=(), prints=("action: paged data on-call",)),
    Case(
        "switch_inside_foreach.py",
        run=(),
        prints=("[3, 8, 1400, 2100]",),
        smoke=True,
    ),
    Case(
        "switch_in_nested_foreach.py",
        run=(),
        prints=(
            "results: ['eu-1:scrubbed', 'eu-2', 'eu-3:scrubbed', 'us-1:scrubbed', 'us-2', 'us-3:scrubbed']",
        ),
        smoke=True,
    ),
    Case("recursive_poll.py", run=("attempts_needed=4",), prints=("ready after 4 attempts",), smoke=True),
    Case("branch_in_switch.py", run=("changed=true",), prints=("outcome: refreshed 80 rows",)),
    Case("foreach_in_switch.py", run=("use_cache=false",), prints=("total score: 42",), smoke=True),
    Case(
        "recursion_in_foreach.py",
        run=(),
        prints=("job needing 1 took 1 polls; job needing 3 took 3 polls; job needing 2 took 2 polls",),
        smoke=True,
    ),
    # Parameters, files and configs.
    Case(
        "params_every_type.py",
        run=("owner=corpus", "regions=eu,us"),
        prints=(
            "baseline by corpus: total=48 depths=[2, 4] regions=['eu', 'us'] backfill=None publish=True",
        ),
        smoke=True,
    ),
    Case(
        "param_type_coercion.py",
        run=(),
        prints=("values: 1.0 0.5 ('float', 'float')",),
    ),
    Case("include_file_csv.py", run=(), prints=("densest: Stavanger, Oslo",)),
    Case(
        "json_param_foreach.py",
        run=(),
        prints=("deployments: ['eu<-large:64,small:8', 'us<-large:64,small:8']",),
    ),
    Case(
        "deploy_time_params.py",
        run=(),
        prints=("@corpus-data:{'rows': 100}",),
    ),
    Case("config_driven.py", run=(), prints=("losses: [('eu', 1.6667), ('us', 1.6667)]",), smoke=True),
    # Classes: inheritance, mixins, module layout.
    Case("base_class_override.py", run=(), prints=("values: [3, 5, 7]",)),
    Case("multilevel_inheritance.py", run=(), prints=("scaled: 145",)),
    Case(
        "mixin_include_file.py",
        run=("sample=2",),
        prints=("loaded 2 rows: Oslo,Bergen",),
        smoke=True,
    ),
    Case(
        "sibling_module_mixin.py",
        run=("seed=1",),
        prints=("picked [17, 72, 97] for 5 epochs",),
    ),
    Case(
        "computed_pypi_base.py",
        xfail={
            aspect: "FLC304: @pypi_base(python=CONST imported from a module, packages=helper(...)) is not a literal"
            for aspect in ("check", "argo", "sfn", "airflow")
        },
    ),
    Case(
        "mixin_shared_steps.py",
        run=(),
        prints=("summary: 3 rows, lr=0.1, layers=[64, 32] tags: ['nightly', 'eu']",),
    ),
    Case("module_alias_import.py", run=(), prints=("total 14",)),
    # Decorators and deployment.
    Case("decorators_kitchen_sink.py", rejects={"sfn": "FLC401"}),
    Case("batch_compute.py", rejects={"argo": "FLC401", "airflow": "FLC401"}),
    Case("pypi_conda_envs.py"),
    Case(
        "catch_and_retry.py",
        run=(),
        prints=("parse failed: builtins.ValueError - invalid literal for int() with base 10: 'x'",),
    ),
    Case(
        "current_introspection.py",
        run=(),
        prints=("origin ok: True", "places: [('work', 't-0', 0), ('work', 't-1', 1)] running: True"),
        smoke=True,
    ),
    Case(
        "card_components.py",
        run=(),
        prints=("best: alpha",),
        cards=(
            ("start", "", "candidates"),
            ("score", "", "Guess my number"),
            ("end", "summary", "Best candidate"),
            ("end", "details", "All scores"),
        ),
        smoke=True,
    ),
    Case(
        "html_card.py",
        run=(),
        prints=("html bytes: 118",),
        cards=(("start", "", "<h1>Squares</h1>"),),
        smoke=True,
    ),
    Case("typed_helpers_wide_branch.py", run=(), prints=("typedhelpers stats: {'max': 42.0, 'mean': 36.0",)),
    Case("star_import.py", run=(), prints=("hello world",)),
    Case(
        "base_in_sibling_module.py",
        flow="CronParamFlow",
        run=(),
        prints=("message: hi hi",),
    ),
    Case(
        "yaml_config.py",
        run=(),
        prints=("model: ridge(alpha=0.5)",),
    ),
    Case("schedule_timezone_events.py", run=(), prints=("morning run",)),
    Case("trigger_events_list.py", run=(), prints=("training v1",)),
    Case(
        "kubernetes_extras.py",
        run=(),
        prints=("trained on cuda",),
        rejects={"sfn": "FLC401", "airflow": "FLC401"},
    ),
    Case("long_project_names.py", run=(), prints=("markets: ['dk', 'no', 'se']",)),
    Case("trigger_param_list.py", run=(), prints=("orders ok",)),
    Case("trigger_on_finish_project_dict.py", run=(), prints=("published",)),
    Case("schedule_weekly_branch.py", run=(), prints=("digest over 7 days",)),
    Case("decorator_forms.py", run=(), prints=("total 6",)),
    Case(
        "switch_skip_or_fanout.py",
        run=("mode=compare",),
        prints=("summary: cheapest costs 2",),
        smoke=True,
    ),
    Case("retry_loop_per_item.py", run=(), prints=("polled: [(1, 1), (2, 2), (3, 3)]",), smoke=True),
    Case(
        "switch_in_branch_arm.py",
        run=(),
        prints=("scores: [0.5, 0.7]",),
        smoke=True,
    ),
    Case("switch_bool_int_keys.py", run=("full=true",), prints=("path: heavy+two",)),
    Case("00-tutorial-hello.py", run=(), prints=("Metaflow says: Hi!",)),
    # Client API and S3 inside steps (not run: they need an upstream run and a bucket).
    Case("s3_and_client_api.py"),
    # Metaflow says "corpus_penguins.user.<username>" for a local run; flowc's branch is "main".
    Case("project_production_branch.py", run=(), prints=("development corpus_penguins.",)),
    Case(
        "user_decorator_factory.py",
        xfail={
            aspect: "FLC301: a decorator factory that applies @kubernetes conditionally is refused"
            for aspect in ("check", "argo", "sfn", "airflow")
        },
    ),
    Case("environment_from_os.py"),
    Case(
        "exit_hook_notify.py",
        run=(),
        prints=("flow succeeded",),
        rejects={"sfn": "FLC401"},
    ),
    Case(
        "parallel_training.py",
        rejects={"argo": "FLC401", "sfn": "FLC401", "airflow": "FLC401"},
        xfail={
            aspect: "FLC309: current.parallel is not provided (flowc wants self.index)"
            for aspect in ("check", "argo", "sfn", "airflow")
        },
    ),
    Case("project_schedule_daily.py", run=(), prints=("doubled: 2",)),
    Case(
        "schedule_required_param.py",
        run=("bucket=corpus-exports",),
        prints=("exported to s3://corpus-exports/exports/",),
        rejects={"argo": "FLC401", "sfn": "FLC401", "airflow": "FLC401"},
    ),
    Case("schedule_aws_cron.py"),
    Case("trigger_event_params.py", run=(), prints=("Done! 🏁 True",)),
    Case("trigger_on_finish_multi.py", run=(), prints=("JoinTablesFlow done: orders+users",)),
]


BY_ID = {case.file.removesuffix(".py"): case for case in CASES}
