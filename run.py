"""Command line of the market-entity doubling simulator. No model logic here: it parses and dispatches.

Exit codes: 0 success, 2 bad input, 1 anything else (see shared design, "Contracts").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.defaults import (
    CALIBRATION_SCALE,
    DEFAULT_ATTRIBUTION_RUNS,
    DEFAULT_ATTRIBUTION_SCALE,
    DEFAULT_CALIBRATION_SEED,
    DEFAULT_EVIDENCE_RUNS,
    DEFAULT_GENERATIONS,
    DEFAULT_MINUTES,
    DEFAULT_OPTIMISE_OUT,
    DEFAULT_PERMUTATIONS,
    DEFAULT_POPULATION,
    DEFAULT_POSTERIOR,
    DEFAULT_RESULTS,
    DEFAULT_RUNS,
    DEFAULT_SAMPLES,
    DEFAULT_SAVED_SCENARIOS,
    DEFAULT_SCALE,
    DEFAULT_SEED,
    DEFAULT_TOP,
    DEFAULT_TRAJECTORIES,
    DEFAULT_UNTIL,
    NO_POSTERIOR,
    OPTIMISE_MIN_OPERATING_SHARE,
    OPTIMISE_RUNS_PER_TRIAL,
    OPTIMISE_SCALE,
    OPTIMISE_TARGET_P,
    OPTIMISE_TRIALS,
    OPTIMISE_VERIFY_RUNS,
    SCENARIO_DIR,
    SENSITIVITY_METHODS,
    SENSITIVITY_SCALE,
    default_scenario_files,
    scenario_file,
)
from model.errors import InputError
from model.experiments.executor import WORKER_TIMEOUT_S, Cluster


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a TCP port, 1 to 65535, got {value}")
    return value


def _where_to_run(args: argparse.Namespace) -> dict:
    """The options of `_add_cluster_options` and --quiet, as the commands' keyword arguments."""
    cluster = Cluster(args.workers, args.scheduler, args.worker_timeout)
    return {"cluster": cluster, "quiet": args.quiet}


def _run_batch(args: argparse.Namespace) -> Path:
    from model.experiments.ensemble import run_batch

    return run_batch(
        [Path(p) for p in args.scenarios],
        runs=args.runs,
        scale=args.scale,
        until=args.until,
        seed=args.seed,
        out=Path(args.out),
        posterior=args.posterior,
        evidence_runs=args.evidence_runs,
        **_where_to_run(args),
    )


def _command_attribute(args: argparse.Namespace) -> int:
    from model.experiments.attribution import attribute, format_attribution

    out = attribute(
        Path(args.scenario),
        level=args.level,
        runs=args.runs,
        permutations=args.permutations,
        scale=args.scale,
        seed=args.seed,
        posterior=args.posterior,
        out=Path(args.out) if args.out else None,
        **_where_to_run(args),
    )
    print(format_attribution(out))
    print(f"\nResults: {out}")
    return 0


def _command_calibrate(args: argparse.Namespace) -> int:
    from model.experiments.calibration import (
        Budget,
        calibrate,
        default_out,
        format_posterior,
        plan_fit,
    )

    observations = Path(args.observations) if args.observations else None
    budget = Budget(args.population, args.generations, args.minutes, args.scale, args.seed)
    posterior = calibrate(
        Path(args.out) if args.out else default_out(observations),
        plan_fit(budget, observations=observations),
        budget=budget,
        **_where_to_run(args),
    )
    print(format_posterior(posterior))
    return 0


def _command_sensitivity(args: argparse.Namespace) -> int:
    from model.experiments.sensitivity import Plan, format_sensitivity, run_sensitivity

    plan = Plan(args.method, args.trajectories, args.samples, args.top, args.seed)
    folder = run_sensitivity(
        scenario_file(args.scenario) or Path(args.scenario),
        plan,
        scale=args.scale,
        out=Path(args.out),
        posterior=args.posterior,
        **_where_to_run(args),
    )
    print(format_sensitivity(folder.parent.parent, folder.name))
    print(f"\nResults: {folder}")


def _command_optimise(args: argparse.Namespace) -> int:
    from model.experiments.optimisation import Effort, Goal, optimise, parse_bound

    goal = Goal(args.target_p, args.budget, args.min_operating_share)
    effort = Effort(
        args.trials, args.runs_per_trial, args.verify_runs, args.scale, args.seed, args.posterior
    )
    report = optimise(
        Path(args.out),
        goal,
        effort,
        narrowed=dict(parse_bound(text) for text in args.bound),
        **_where_to_run(args),
    )
    print(report.format())
    print(f"\nResults: {Path(args.out).resolve()}")
    return 0


def _command_run(args: argparse.Namespace) -> int:
    _run_batch(args)
    return 0


def _command_default(args: argparse.Namespace) -> int:
    """Every scenario of scenarios/ with the default settings, then the comparison table."""
    from model.experiments.store import format_comparison

    defaults = build_parser().parse_args(["run", *map(str, default_scenario_files(SCENARIO_DIR))])
    out = _run_batch(argparse.Namespace(**vars(defaults) | {"quiet": args.quiet}))
    print(format_comparison(out, "table"))
    print(f"\nResults: {out}\nOpen the dashboard: uv run python run.py dashboard --results {out}")
    return 0


def _command_compare(args: argparse.Namespace) -> int:
    from model.experiments.store import format_comparison

    print(format_comparison(Path(args.dir), args.format, by=args.by))
    return 0


def _command_levers(args: argparse.Namespace) -> int:
    from model.policy.catalogue import format_catalogue, load_catalogue

    if args.combined:
        from model.policy.combined import format_combined
        from model.policy.scenario import load_scenario

        print(format_combined(load_scenario(Path(args.combined))))
        return 0
    print(format_catalogue(load_catalogue(), family=args.family, fmt=args.format))
    return 0


def _command_register(args: argparse.Namespace) -> int:
    from model.policy.register import register_markdown, write_register

    if args.out is None:
        print(register_markdown(), end="")
        return 0
    write_register(Path(args.out))
    print(f"Parameter register written to {args.out}")
    return 0


def _command_validate(args: argparse.Namespace) -> int:
    """Scenario files and, by their extension .csv, observation files."""
    from model.policy.observations import validate_observation_files
    from model.policy.scenario import validate_files

    paths = [Path(p) for p in args.files]
    kinds = {"scenario": [p for p in paths if p.suffix.lower() != ".csv"]}
    kinds["observation"] = [p for p in paths if p.suffix.lower() == ".csv"]
    problems = validate_files(kinds["scenario"]) if kinds["scenario"] else []
    problems += validate_observation_files(kinds["observation"])
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 2
    for kind, files in kinds.items():
        if files:
            print(f"{len(files)} {kind} file(s) valid")
    return 0


def _command_observations(args: argparse.Namespace) -> int:
    from model.policy.observations import format_observations, load_observations

    print(format_observations(load_observations(Path(args.file))))
    return 0


def _command_dashboard(args: argparse.Namespace) -> int:
    from dashboard.app import serve

    saved = Path(args.saved_scenarios)
    if saved.exists() and not saved.is_dir():
        raise InputError(f"--saved-scenarios {saved}: not a folder")
    serve(
        results=Path(args.results),
        host=args.host,
        port=args.port,
        optimisation=Path(args.optimisation),
        saved_scenarios=saved,
    )
    return 0


def _command_report(args: argparse.Namespace) -> int:
    from dashboard.report import write_report

    out = write_report(Path(args.results), Path(args.out), args.lang, quiet=args.quiet)
    print(f"Report: {out}")
    return 0


class _OneLineErrors(argparse.ArgumentParser):
    """Usage errors as one line on stderr and exit code 2 (the full usage is under --help)."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineErrors(
        prog="run.py",
        description="Market-entity doubling simulator (晋发〔2021〕67号). "
        "With no command: run every scenario with the default settings and print the comparison.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=_command_default)
    commands = parser.add_subparsers(title="commands")
    _add_run_command(commands)
    _add_attribute_command(commands)
    _add_sensitivity_command(commands)
    _add_calibrate_command(commands)
    _add_optimise_command(commands)
    _add_reading_commands(commands)
    dashboard = commands.add_parser("dashboard", help="start the dashboard (loopback by default)")
    dashboard.add_argument("--results", default=str(DEFAULT_RESULTS), help="results folder")
    dashboard.add_argument("--host", default="127.0.0.1")
    dashboard.add_argument("--port", type=_port, default=8050)
    dashboard.add_argument(
        "--optimisation",
        default=str(DEFAULT_OPTIMISE_OUT),
        help="run.py optimise output folder shown on the 实现路径 page (default: %(default)s)",
    )
    dashboard.add_argument(
        "--saved-scenarios",
        default=str(DEFAULT_SAVED_SCENARIOS),
        help="folder where the what-if page saves named what-ifs as scenario files, made when "
        "the first is saved; never a shipped scenario's name (default: %(default)s)",
    )
    dashboard.set_defaults(handler=_command_dashboard)
    _add_report_command(commands)
    return parser


def _add_report_command(commands) -> None:
    """`report`: the briefing report of a results folder as a PDF (the dashboard's 导出报告)."""
    report = commands.add_parser(
        "report", help="the briefing report of a results folder as a PDF (headless Chromium)"
    )
    report.add_argument("results", metavar="RESULTS", help="results folder (run.py run --out)")
    report.add_argument("--lang", choices=["zh", "en"], default="zh", help="language (default zh)")
    report.add_argument("--out", default="report.pdf", help="PDF file (default: %(default)s)")
    report.add_argument("--quiet", action="store_true", help="no progress bar")
    report.set_defaults(handler=_command_report)


def _add_run_command(commands) -> None:
    """`run`: a batch of scenarios x runs, locally or on a Dask cluster."""
    run = commands.add_parser("run", help="run a batch: scenarios x runs")
    run.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario YAML files")
    run.add_argument("--until", default=DEFAULT_UNTIL, help="last month simulated, YYYY-MM")
    run.add_argument("--out", default=str(DEFAULT_RESULTS), help="results folder")
    _add_batch_options(run, runs=DEFAULT_RUNS, scale=DEFAULT_SCALE)
    run.add_argument(
        "--evidence-runs",
        type=int,
        default=DEFAULT_EVIDENCE_RUNS,
        metavar="N",
        help="the first N runs of each scenario also simulate their evidence-only variant, "
        "which gives the share of the gain resting on assumptions and nearly doubles a run with "
        "levers; 0: none (default: %(default)s)",
    )
    run.set_defaults(handler=_command_run)


def _add_attribute_command(commands) -> None:
    """`attribute`: Shapley values of a scenario's families or levers, and their cost."""
    attribute = commands.add_parser(
        "attribute",
        help="Shapley attribution of a scenario's gain over no policy to its families or levers, "
        "and the cost per additional entity",
    )
    attribute.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    attribute.add_argument(
        "--level",
        choices=["family", "lever"],
        default="family",
        help="players: the scenario's families (exact) or levers (permutation sampling)",
    )
    attribute.add_argument(
        "--permutations",
        type=_positive_int,
        default=DEFAULT_PERMUTATIONS,
        help="random orders of the levers per run (--level lever)",
    )
    attribute.add_argument(
        "--out", help="results folder (default: results/attribution-SCENARIO-LEVEL)"
    )
    _add_batch_options(attribute, runs=DEFAULT_ATTRIBUTION_RUNS, scale=DEFAULT_ATTRIBUTION_SCALE)
    attribute.set_defaults(handler=_command_attribute)


def _add_calibrate_command(commands) -> None:
    """`calibrate`: the posterior of the uncertain inputs (ABC-SMC), resumable."""
    calibrate = commands.add_parser(
        "calibrate",
        help="fit the uncertain inputs to the pre-2021 moments (and observations): a posterior",
    )
    calibrate.add_argument(
        "--observations", metavar="FILE", help="observation file (.csv): also fit these counts"
    )
    calibrate.add_argument(
        "--out",
        help="posterior folder (default: the shipped posterior, or posteriors/NAME for "
        "observations/NAME.csv); an unfinished calibration there is resumed",
    )
    calibrate.add_argument(
        "--population",
        type=_positive_int,
        default=DEFAULT_POPULATION,
        help="particles accepted per generation (default: %(default)s)",
    )
    calibrate.add_argument(
        "--generations",
        type=_positive_int,
        default=DEFAULT_GENERATIONS,
        help="most generations (default: %(default)s)",
    )
    calibrate.add_argument(
        "--minutes", type=_positive_float, default=DEFAULT_MINUTES, help="budget of this session"
    )
    calibrate.add_argument(
        "--scale", type=_positive_float, default=CALIBRATION_SCALE, help="real entities per row"
    )
    calibrate.add_argument("--seed", type=int, default=DEFAULT_CALIBRATION_SEED)
    _add_cluster_options(calibrate)
    calibrate.add_argument("--quiet", action="store_true", help="no progress report")
    calibrate.set_defaults(handler=_command_calibrate)


def _add_batch_options(
    command, *, runs: int | None, scale: float, posterior_help: str | None = None
) -> None:
    """The settings of many runs (runs unless None, scale, seed, posterior), where they run,
    progress."""
    if runs is not None:
        command.add_argument("--runs", type=_positive_int, default=runs, help="runs per scenario")
    command.add_argument(
        "--scale",
        type=_positive_float,
        default=scale,
        help="real entities per simulated row (1 = full scale)",
    )
    command.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the runs")
    command.add_argument(
        "--posterior",
        default=str(DEFAULT_POSTERIOR),
        metavar="FOLDER",
        help=posterior_help
        or "posterior every run draws its parameters from (run.py calibrate writes one); "
        f"{NO_POSTERIOR!r}: the calibrated values, only the starting stock drawn "
        "(default: the shipped posterior)",
    )
    _add_cluster_options(command)
    command.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_sensitivity_command(commands) -> None:
    """`sensitivity`: Morris screening, then Sobol indices, of one scenario's uncertain inputs."""
    sensitivity = commands.add_parser(
        "sensitivity",
        help="which uncertain inputs decide a scenario's result: Morris, then Sobol (SALib)",
    )
    sensitivity.add_argument(
        "scenario",
        nargs="?",
        default="as_enacted",
        metavar="SCENARIO",
        help="scenario YAML file, or the name of one in scenarios/ (default: %(default)s)",
    )
    sensitivity.add_argument("--method", choices=SENSITIVITY_METHODS, default="both")
    sensitivity.add_argument(
        "--trajectories",
        type=_positive_int,
        default=DEFAULT_TRAJECTORIES,
        help="Morris trajectories, of (inputs + 1) evaluations each (default: %(default)s)",
    )
    sensitivity.add_argument(
        "--samples",
        type=_positive_int,
        default=DEFAULT_SAMPLES,
        help="Sobol base samples N, a power of 2: N x (top + 2) evaluations (default: %(default)s)",
    )
    sensitivity.add_argument(
        "--top",
        type=_positive_int,
        default=DEFAULT_TOP,
        help="inputs with the largest Morris mu* that Sobol varies (default: %(default)s)",
    )
    sensitivity.add_argument(
        "--out",
        default=str(DEFAULT_RESULTS),
        help="results folder; the analysis goes to OUT/sensitivity/SCENARIO/",
    )
    _add_batch_options(
        sensitivity,
        runs=None,
        scale=SENSITIVITY_SCALE,
        posterior_help="the world's inputs vary over this posterior's marginals (default: the "
        f"shipped posterior); {NO_POSTERIOR!r}: over their priors, before calibration",
    )
    sensitivity.set_defaults(handler=_command_sensitivity)


def _add_optimise_command(commands) -> None:
    """`optimise`: the cheapest mix of levers that doubles, and the cost-probability frontier."""
    optimise = commands.add_parser(
        "optimise",
        help="search the cheapest mix of levers that doubles (cost / P(doubled) frontier)",
    )
    optimise.add_argument(
        "--target-p", type=float, default=OPTIMISE_TARGET_P, help="P(doubled) to reach"
    )
    optimise.add_argument(
        "--budget", type=float, metavar="YUAN", help="most fiscal cost to 2025-12 (default: none)"
    )
    optimise.add_argument(
        "--min-operating-share",
        type=float,
        default=OPTIMISE_MIN_OPERATING_SHARE,
        help="least share of registered entities operating in 2025-12 (default: %(default)g)",
    )
    optimise.add_argument("--trials", type=int, default=OPTIMISE_TRIALS, help="mixes tried")
    optimise.add_argument(
        "--runs-per-trial", type=int, default=OPTIMISE_RUNS_PER_TRIAL, help="runs of each mix"
    )
    optimise.add_argument(
        "--verify-runs",
        type=int,
        default=OPTIMISE_VERIFY_RUNS,
        help="runs of each reported mix in the verification batch",
    )
    optimise.add_argument(
        "--bound",
        action="append",
        default=[],
        metavar="LEVER=LOW:HIGH",
        help="narrow a lever's intensity range, within the catalogue's bounds (repeatable)",
    )
    optimise.add_argument(
        "--out",
        default=str(DEFAULT_OPTIMISE_OUT),
        help="output folder (an interrupted search there is resumed)",
    )
    _add_batch_options(optimise, runs=None, scale=OPTIMISE_SCALE)
    optimise.set_defaults(handler=_command_optimise)


def _add_cluster_options(command) -> None:
    """Where the simulations run: local worker processes or a Dask cluster."""
    where = command.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive_int, help="local Dask worker processes")
    where.add_argument("--scheduler", help="address of a running Dask scheduler, tcp://HOST:PORT")
    command.add_argument(
        "--worker-timeout",
        type=_positive_float,
        default=WORKER_TIMEOUT_S,
        metavar="SECONDS",
        help="give up when the Dask cluster has had no worker for this long (default: %(default)g)",
    )


def _add_reading_commands(commands) -> None:
    """The commands that read files and print: compare, levers, register, validate,
    observations."""
    compare = commands.add_parser("compare", help="compare the scenarios of a results folder")
    compare.add_argument("dir", help="results folder")
    compare.add_argument("--format", choices=["table", "csv", "json"], default="table")
    compare.add_argument(
        "--by",
        choices=["lever", "department"],
        help="instead: fiscal cost and yuan per additional entity by lever or lead department",
    )
    compare.set_defaults(handler=_command_compare)

    levers = commands.add_parser("levers", help="list the lever catalogue")
    levers.add_argument("--family", help="only this family")
    levers.add_argument("--format", choices=["table", "json"], default="table")
    levers.add_argument(
        "--combined",
        metavar="SCENARIO",
        help="instead: what a scenario file's levers add up to, by hook and kind",
    )
    levers.set_defaults(handler=_command_levers)

    register = commands.add_parser(
        "register",
        help="the parameter register: every base rate and lever number, its source and its users",
    )
    register.add_argument(
        "--out", metavar="FILE", help="write it to FILE (e.g. docs/parameters.md); default: print"
    )
    register.set_defaults(handler=_command_register)

    validate = commands.add_parser(
        "validate", help="check scenario files (.yaml) and observation files (.csv)"
    )
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(handler=_command_validate)

    observations = commands.add_parser(
        "observations", help="show an observation file (published counts) as a table"
    )
    observations.add_argument("file", metavar="FILE", help="observation file, .csv")
    observations.set_defaults(handler=_command_observations)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # argparse itself exits 2 with a one-line message on bad usage
    try:
        return args.handler(args)
    except InputError as error:
        if args.debug:
            raise
        print(f"error: {_one_line(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the contract: one line, exit 1, traceback with --debug
        if args.debug:
            raise
        print(f"error: {type(error).__name__}: {_one_line(error)}", file=sys.stderr)
        return 1


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())


if __name__ == "__main__":
    sys.exit(main())
