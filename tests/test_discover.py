"""Uncertainty experiments, scenario discovery (PRIM), robustness and the EMA adapter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from solsim.cli import main
from solsim.errors import ScenarioError
from solsim.experiments.discovery import box_sentence, discover
from solsim.experiments.outcome import OutcomeError, parse_outcome
from solsim.experiments.robustness import regret_table, satisficing_table
from solsim.experiments.spec import load_experiment

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

# Two structures, six futures, a tiny economy over ten months.
UNCERTAIN = f"""
name = "uncertain"
replicates = 1
root_seed = 5
steps = 10

[set]
economy.households = 80
economy.coops = 5
economy.communities = 2
burn_in = 6
shocks.scheduled = [{{ kind = "export_drop", start = 3, duration = 3, size = 0.3 }}]

[design]
kind = "scenarios"
reference = "baseline"

[design.scenarios]
baseline = "{SCENARIOS / "baseline.toml"}"
mutual_credit = "{SCENARIOS / "mutual_credit.toml"}"

[uncertainties]
samples = 6

[uncertainties.parameters.depth]
path = "shocks.scheduled.0.size"
range = [0.1, 0.6]
label = "the recession's depth"
unit = "share"

[uncertainties.parameters.length]
path = "shocks.scheduled.0.duration"
range = [1, 6]

[uncertainties.parameters.acceptance]
path = "instruments.mutual_credit.acceptance"
range = [0.3, 0.9]
"""


def cli(capsys, *args) -> tuple[int, str, str]:
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def write(folder: Path, text: str, name: str = "exp.toml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


# ------------------------------------------------------------ uncertainties
def test_uncertainties_cross_every_structure_with_every_future(tmp_path):
    experiment = load_experiment(write(tmp_path, UNCERTAIN))
    design = experiment.design
    assert len(design) == 12
    assert list(design["future"]) == [f for f in range(6) for _ in range(2)]
    assert list(design["scenario"]) == ["baseline", "mutual_credit"] * 6
    # Latin hypercube: each sixth of a range holds exactly one future.
    depth = design.drop_duplicates("future")["depth"].to_numpy()
    assert sorted(np.floor((depth - 0.1) / 0.5 * 6).astype(int)) == list(range(6))
    assert design["length"].dtype == np.int64  # an integer scenario field
    # The same future's settings and seed in every structure; another future differs.
    assert experiment.seed(0, 0).spawn_key == experiment.seed(1, 0).spawn_key
    assert experiment.seed(0, 0).spawn_key != experiment.seed(2, 0).spawn_key
    baseline, credit = experiment.point_scenario(0), experiment.point_scenario(1)
    assert baseline["shocks"] == credit["shocks"]
    assert baseline["shocks"]["scheduled"][0]["size"] == pytest.approx(design["depth"][0])
    # An instrument's factor is set where the instrument is, and never switches it on.
    assert baseline["instruments"] == {}
    assert credit["instruments"]["mutual_credit"]["acceptance"] == design["acceptance"][1]
    info = experiment.describe()["uncertainties"]
    assert info["acceptance"]["applies_to"] == ["mutual_credit"]
    assert info["depth"]["applies_to"] == ["baseline", "mutual_credit"]


def test_labels_do_not_change_the_experiment_hash(tmp_path):
    a = load_experiment(write(tmp_path, UNCERTAIN, "a.toml")).hash
    relabelled = UNCERTAIN.replace('label = "the recession\'s depth"', 'label = "depth"')
    assert load_experiment(write(tmp_path, relabelled, "b.toml")).hash == a
    wider = UNCERTAIN.replace("range = [0.1, 0.6]", "range = [0.1, 0.7]")
    assert load_experiment(write(tmp_path, wider, "c.toml")).hash != a


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ("range = [0.1, 0.6]", "range = [0.6, 0.1]", "uncertainties.parameters.depth.range",
         "must be below"),
        ('path = "shocks.scheduled.0.size"', 'path = "shocks.nope"',
         "uncertainties.parameters.depth.path", "not a scenario key"),
        ('path = "shocks.scheduled.0.size"', 'path = "shocks.scheduled.0.kind"',
         "uncertainties.parameters.depth.path", "numeric"),
        ('"shocks.scheduled.0.duration"\nrange = [1, 6]', '"shocks.scheduled.0.start"\n'
         "range = [1, 30]", "uncertainties.parameters.length", "narrow the range"),
        ("samples = 6", "samples = 1", "uncertainties.samples", "greater than or equal to 2"),
        ("[uncertainties.parameters.depth]", "[uncertainties.parameters.future]",
         "uncertainties.parameters", "reserved"),
        ("samples = 6", "samples = 6\nspread = 2", "uncertainties.spread", "unknown key"),
    ],
)  # fmt: skip
def test_bad_uncertainties_name_the_key(tmp_path, old, new, key, words):
    assert old in UNCERTAIN
    with pytest.raises(ScenarioError) as caught:
        load_experiment(write(tmp_path, UNCERTAIN.replace(old, new)))
    assert caught.value.key == key
    assert words in caught.value.reason


def test_uncertainties_need_a_design_of_structures(tmp_path):
    text = (
        f'scenario = "{SCENARIOS / "baseline.toml"}"\n'
        + UNCERTAIN.split("[design]")[0]
        + '[design]\nkind = "lhs"\nsamples = 4\n'
        + "[design.parameters]\nfunds.interest_rate = [0.02, 0.08]\n"
        + UNCERTAIN.split("[design.scenarios]")[1].split("\n", 3)[3]
    )
    with pytest.raises(ScenarioError, match="uncertainties cross a design of structures"):
        load_experiment(write(tmp_path, text))


# ------------------------------------------------------------ outcome grammar
def test_outcome_expressions_evaluate_over_columns():
    table = pd.DataFrame(
        {"a": [0.1, 0.2, 0.3, np.nan], "b": [0.0, 1.0, 0.0, 1.0], "c": [5.0, 5.0, 1.0, 1.0]}
    )
    cases = {
        "a > 0.15": [False, True, True, False],
        "a >= 0.2 and not b": [False, False, True, False],
        "b or c < 2": [False, True, True, True],
        "0.1 < a <= 0.3": [False, True, True, False],
        "b": [False, True, False, True],
        "not (a > 0.15 or b)": [True, False, False, False],
        "-a < -0.25": [False, False, True, False],
        "c == 5 and b != 1": [True, False, False, False],
    }
    for text, expected in cases.items():
        np.testing.assert_array_equal(parse_outcome(text).evaluate(table), expected, text)
    assert parse_outcome("a > 0.1 and b").columns == ("a", "b")


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "a.b > 1",
        "a + 1 > 2",
        "a > 'x'",
        "[a] == 1",
        "a if b else c",
        "lambda: 1",
        "a in b",
        "a > 1; b",
        "",
    ],
)
def test_outcome_grammar_refuses_everything_else(text):
    with pytest.raises(OutcomeError):
        parse_outcome(text)


def test_unknown_outcome_column_lists_the_valid_ones():
    with pytest.raises(OutcomeError, match=r"unknown column 'nope'; valid: a, b"):
        parse_outcome("nope > 1").evaluate(pd.DataFrame({"b": [1.0], "a": [2.0]}))


def test_outcome_in_words():
    outcome = parse_outcome("coop_hazard > 0.12 and not guarantee_paid")
    names = {"coop_hazard": "co-op failure hazard", "guarantee_paid": "guarantee payouts"}
    words = outcome.describe(names.get, lambda _c, v: f"{v:.0%}")
    assert words == "co-op failure hazard is above 12% and no guarantee payouts"


# ------------------------------------------------------------ PRIM, known answer
def test_prim_finds_a_known_box():
    """The outcome is true exactly inside 0.6 < a and b < 4: PRIM finds that box."""
    rng = np.random.default_rng(7)
    n = 1200
    x = pd.DataFrame(
        {
            "a": rng.uniform(0.0, 1.0, n),
            "b": rng.uniform(0.0, 10.0, n),
            "c": rng.uniform(-1.0, 1.0, n),
        }
    )
    y = ((x["a"] > 0.6) & (x["b"] < 4.0)).to_numpy()
    found = discover(x, y, outcome="in the box", max_boxes=1)
    box = found.boxes[0]
    assert box.coverage >= 0.9 and box.density >= 0.9
    limits = {limit.factor: limit for limit in box.limits}
    assert set(limits) == {"a", "b"}  # c is irrelevant and left free
    assert limits["a"].lower_bound and not limits["a"].upper_bound
    assert limits["a"].low == pytest.approx(0.6, rel=0.1)
    assert limits["b"].upper_bound and not limits["b"].lower_bound
    assert limits["b"].high == pytest.approx(4.0, rel=0.1)
    scores = found.scores.set_index("factor")["score"]
    assert scores["c"] < min(scores["a"], scores["b"])
    sentence = box_sentence(
        box, "it fails", {"b": {"label": "the recession's length", "unit": "months"}}
    )
    assert sentence.startswith(f"it fails in {box.density:.0%} of the futures where a is more")
    assert "the recession's length is less than 4" in sentence
    assert sentence.endswith(f"those futures hold {box.coverage:.0%} of all such cases.")


def test_prim_with_no_cases_finds_no_box():
    x = pd.DataFrame({"a": np.linspace(0, 1, 50)})
    found = discover(x, np.zeros(50, dtype=bool))
    assert found.boxes == [] and found.cases == 0


# ------------------------------------------------------------ robustness, known answer
def _hand_table() -> pd.DataFrame:
    # Hazard (less is better) of three structures in four futures.
    hazard = {
        "A": [0.10, 0.20, 0.30, 0.10],
        "B": [0.15, 0.15, 0.15, 0.15],
        "C": [0.05, 0.30, 0.10, 0.20],
    }
    rows = [
        {"structure": s, "future": f, "replicate": 0, "hazard": v, "output": 10 * (1 - v)}
        for s, values in hazard.items()
        for f, v in enumerate(values)
    ]
    return pd.DataFrame(rows)


def test_regret_on_a_hand_made_table():
    table = regret_table(_hand_table(), {"hazard": -1}).set_index("structure")
    # Best per future: 0.05, 0.15, 0.10, 0.10. Regrets:
    #   A: 0.05, 0.05, 0.20, 0.00   max 0.20, mean 0.075
    #   B: 0.10, 0.00, 0.05, 0.05   max 0.10, mean 0.05
    #   C: 0.00, 0.15, 0.00, 0.10   max 0.15, mean 0.0625
    assert table["max_regret"].to_dict() == pytest.approx({"A": 0.20, "B": 0.10, "C": 0.15})
    assert table["mean_regret"].to_dict() == pytest.approx({"A": 0.075, "B": 0.05, "C": 0.0625})
    # 90th percentile (linear): A 0.05 + 0.7 × 0.15 = 0.155; B 0.085; C 0.135.
    assert table["p90_regret"].to_dict() == pytest.approx({"A": 0.155, "B": 0.085, "C": 0.135})
    assert table["rank"].to_dict() == {"B": 1, "C": 2, "A": 3}
    # More is better: the same ranking on output = 10 (1 − hazard), regrets × 10.
    output = regret_table(_hand_table(), {"output": 1}).set_index("structure")
    assert output["max_regret"].to_dict() == pytest.approx({"A": 2.0, "B": 1.0, "C": 1.5})
    assert output["rank"].to_dict() == {"B": 1, "C": 2, "A": 3}


def test_satisficing_on_a_hand_made_table():
    table = satisficing_table(_hand_table(), ["hazard <= 0.15", "output > 8.6"])
    shares = table.set_index("structure")
    # hazard ≤ 0.15: A 2/4, B 4/4, C 2/4; output > 8.6 ⇔ hazard < 0.14: A 2/4, B 0, C 2/4.
    assert shares["hazard <= 0.15"].to_dict() == {"A": 0.5, "B": 1.0, "C": 0.5}
    assert shares["output > 8.6"].to_dict() == {"A": 0.5, "B": 0.0, "C": 0.5}
    assert shares["share"].to_dict() == {"A": 0.5, "B": 0.0, "C": 0.5}


# ------------------------------------------------------------ end to end
@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    from solsim.experiments.sweep import run_sweep

    folder = tmp_path_factory.mktemp("uncertain")
    experiment = load_experiment(write(folder, UNCERTAIN))
    report = run_sweep(experiment, folder / "out", workers=1, progress=False)
    assert report.complete
    return folder / "out"


@pytest.mark.slow
def test_discover_end_to_end(swept, capsys):
    code, out, err = cli(capsys, "discover", swept, "--outcome", "drawdown > 0.05", "--boxes", "1")
    assert code == 0, err
    assert "drawdown > 0.05:" in out and "feature scores:" in out
    written = swept / "discovery" / "drawdown_gt_0.05"
    for name in ("boxes.csv", "limits.csv", "scores.csv", "discovery.md", "trajectory.png"):
        assert (written / name).is_file(), name
    assert (written / "trajectory.png").read_bytes()[:4] == b"\x89PNG"
    scores = pd.read_csv(written / "scores.csv")
    # Mutual-credit acceptance applies to one structure only: not a factor of both.
    assert set(scores["factor"]) == {"depth", "length", "structure"}
    code, out, err = cli(
        capsys, "discover", swept, "--outcome", "drawdown > 0.05", "--structure", "mutual_credit"
    )
    assert code == 0, err
    scores = pd.read_csv(written / "scores.csv")
    assert set(scores["factor"]) == {"depth", "length", "acceptance"}


@pytest.mark.slow
def test_robustness_end_to_end(swept, capsys):
    code, out, err = cli(
        capsys,
        "robustness",
        swept,
        "--metric",
        "drawdown",
        "--metric",
        "chargeoff_rate:lower",
        "--satisfy",
        "drawdown < 0.2",
    )
    assert code == 0, err
    assert "Which structure holds up best?" in out
    regret = pd.read_csv(swept / "robustness" / "regret.csv")
    assert set(regret["metric"]) == {"drawdown", "chargeoff_rate"}
    assert set(regret["structure"]) == {"baseline", "mutual_credit"}
    futures = regret.set_index(["metric", "structure"])["futures"]
    assert (futures["drawdown"] == 6).all()  # charge-offs are undefined without lending
    assert (futures["chargeoff_rate"] <= 6).all()
    assert (regret["max_regret"] >= regret["mean_regret"]).all()
    assert (regret.groupby("metric")["rank"].min() == 1).all()
    assert (swept / "robustness" / "satisficing.csv").is_file()
    assert (swept / "robustness" / "robustness.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--outcome", "nope > 1"), "unknown column 'nope'; valid: "),
        (("--outcome", "drawdown + 1"), "outside the outcome grammar"),
        (("--outcome", "open('x')"), "outside the outcome grammar"),
        (("--outcome", "drawdown >"), "not an expression"),
    ],
)
def test_discover_bad_input(swept, capsys, args, expected):
    code, _, err = cli(capsys, "discover", swept, *args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0]
    assert "Traceback" not in err


def test_a_directory_without_uncertainties_is_refused(tmp_path, capsys):
    from solsim.experiments.sweep import run_sweep

    plain = UNCERTAIN.split("[uncertainties]")[0].replace("steps = 10", "steps = 4")
    experiment = load_experiment(write(tmp_path, plain))
    run_sweep(experiment, tmp_path / "out", workers=1, progress=False)
    for command in (
        ("discover", tmp_path / "out", "--outcome", "drawdown > 0.1"),
        ("robustness", tmp_path / "out"),
    ):
        code, _, err = cli(capsys, *command)
        assert code == 2
        assert err.count("\n") == 1 and "has no uncertainties" in err


def test_robustness_metric_without_a_direction_needs_one(swept, capsys):
    code, _, err = cli(capsys, "robustness", swept, "--metric", "chargeoff_rate")
    assert code == 2 and "say chargeoff_rate:lower or chargeoff_rate:higher" in err
    code, _, err = cli(capsys, "robustness", swept, "--metric", "nope")
    assert code == 2 and "unknown column 'nope'; valid: " in err
    code, _, err = cli(capsys, "robustness", swept, "--satisfy", "drawdown <")
    assert code == 2 and err.startswith("error: --satisfy") and err.count("\n") == 1


# ------------------------------------------------------------ EMA Workbench adapter
TINY_SET = {
    "economy.households": 60,
    "economy.coops": 4,
    "economy.communities": 1,
    "burn_in": 6,
    "steps": 8,
    "shocks.scheduled.0.start": 2,
}


def test_ema_model_runs_on_the_sequential_evaluator():
    import solsim.ema

    ema = solsim.ema._workbench()
    model = solsim.ema.model(
        SCENARIOS / "guarantee.toml",
        uncertainties={
            "depth": ("shocks.scheduled.0.size", 0.1, 0.5),
            "length": {"path": "shocks.scheduled.0.duration", "range": [1, 4]},
        },
        levers={"coverage": ("instruments.guarantee.coverage", 0.2, 0.8)},
        outcomes=["drawdown", "coop_hazard"],
        timeseries=["output"],
        overrides=TINY_SET,
    )
    assert isinstance(model, ema.Model)
    assert isinstance(model.uncertainties["length"], ema.IntegerParameter)
    with ema.SequentialEvaluator(model) as evaluator:
        experiments, outcomes = ema.perform_experiments(
            model, scenarios=3, policies=2, evaluator=evaluator
        )
    assert len(experiments) == 6
    assert outcomes["drawdown"].shape == (6,)
    assert outcomes["output"].shape == (6, 8)
    assert np.isfinite(outcomes["drawdown"]).all()
    # Common random numbers: the same run for the same parameters, whatever the order.
    direct = model.function(
        depth=experiments["depth"][0],
        length=experiments["length"][0],
        coverage=experiments["coverage"][0],
    )
    assert direct["drawdown"] == outcomes["drawdown"][0]


def test_ema_replicator_and_structures():
    import solsim.ema

    ema = solsim.ema._workbench()
    model = solsim.ema.model(
        uncertainties={"depth": ("shocks.scheduled.0.size", 0.1, 0.5)},
        structures={
            "baseline": SCENARIOS / "baseline.toml",
            "mutual_credit": SCENARIOS / "mutual_credit.toml",
        },
        outcomes=["drawdown"],
        replications=2,
        overrides=TINY_SET,
    )
    assert isinstance(model, ema.ReplicatorModel)
    with ema.SequentialEvaluator(model) as evaluator:
        experiments, outcomes = ema.perform_experiments(
            model, scenarios=2, policies=2, evaluator=evaluator
        )
    assert set(experiments["structure"]) <= {"baseline", "mutual_credit"}
    assert outcomes["drawdown"].shape == (4,)  # the mean over the two replications
    # The replications are the runs of replicates 0 and 1 of a sweep.
    runs = [
        model.function(depth=experiments["depth"][0], structure=experiments["structure"][0],
                       replicate=r)["drawdown"]
        for r in (0, 1)
    ]  # fmt: skip
    assert outcomes["drawdown"][0] == pytest.approx(np.mean(runs))


def test_ema_model_refuses_bad_factors():
    import solsim.ema

    with pytest.raises(ScenarioError, match="not a scenario key"):
        solsim.ema.model(uncertainties={"x": ("economy.nope", 0, 1)})
    with pytest.raises(ValueError, match="Python identifier"):
        solsim.ema.model(uncertainties={"a-b": ("funds.interest_rate", 0.0, 0.1)})
    with pytest.raises(ValueError, match="must be below"):
        solsim.ema.model(uncertainties={"r": ("funds.interest_rate", 0.1, 0.0)})


# ------------------------------------------------------------ the funder report
@pytest.mark.slow
def test_report_of_an_uncertainty_sweep(swept, tmp_path):
    from solsim.experiments.compare import compare_results
    from solsim.experiments.results import load
    from solsim.report import write_report
    from solsim.report.data import from_results_dir

    comparison = compare_results(load(swept))
    # Pairs are (future, replicate): six per structure, not one.
    assert set(comparison["n"][comparison["metric"] == "drawdown"]) == {6}
    data = from_results_dir(swept, network=False, comparison=comparison)
    assert data.futures is not None and data.futures.futures == 6
    assert data.runs_text == "2 scenarios × 6 futures"
    assert data.summaries.groupby("scenario")["replicate"].nunique().to_dict() == {
        "baseline": 6,
        "mutual_credit": 6,
    }
    page = write_report(data, tmp_path / "report.html").read_text()
    assert page.index("When would this fail?") < page.index("Which structure holds up best?")
    assert page.index("What each scenario did") < page.index("When would this fail?")
    assert "worst quarter of runs" in page  # no failure outcome was named
    assert (tmp_path / "figures" / "robustness.png").is_file()


@pytest.mark.slow
def test_the_ema_docs_example_runs(monkeypatch):
    import re

    text = (ROOT / "docs" / "ema.md").read_text()
    block = re.findall(r"```python\n(.*?)```", text, re.S)[0]
    # The same example, smaller: fewer households and experiments.
    block = block.replace('"economy.households": 200', '"economy.households": 60, "burn_in": 12')
    block = block.replace("scenarios=16, policies=2", "scenarios=6, policies=1")
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {}
    exec(compile(block, "docs/ema.md", "exec"), namespace)
    assert len(namespace["experiments"]) == 6
    assert namespace["outcomes"]["output"].shape == (6, 24)


def test_robustness_takes_directions_from_the_declarations(swept):
    import solsim.results
    from solsim.experiments.robustness import robustness

    results = solsim.results.load(swept)
    by_name = robustness(results, ["drawdown", "coop_hazard"])
    by_hand = robustness(results, {"drawdown": -1, "coop_hazard": -1})
    pd.testing.assert_frame_equal(by_name.regret, by_hand.regret)
    with pytest.raises(ValueError, match="investor_irr: a direction of"):
        robustness(results, ["investor_irr"])  # neutral for the community
