"""The fuzz campaign's CI share: a few hundred mutated problem, answers, data and model files
through the CLI (benchmarks/fuzz.py, in a process of its own), with no internal error, hang,
warning, broken error line, raw control character or invalid JSON among them. Thousands run on
demand: `python benchmarks/fuzz.py --cases 5000 --seed 1`."""

from __future__ import annotations

import importlib.util
import json
import random
import subprocess
import sys
from pathlib import Path

import yaml

FUZZ = Path(__file__).resolve().parents[1] / "benchmarks" / "fuzz.py"


def _fuzz_module():
    spec = importlib.util.spec_from_file_location("nncalc_fuzz", FUZZ)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_a_few_hundred_fuzzed_inputs_end_in_results_or_one_line_errors(tmp_path):
    done = subprocess.run([sys.executable, str(FUZZ), "--cases", "200", "--seed", "0", "--timeout", "30", "--json"],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    assert counts["cases"] == 200
    assert counts["problems"] == {} or set(counts["problems"]) == {"out_of_memory"}, counts["examples"]
    assert done.returncode == 0
    assert counts["exits"].get("0", 0) > 10 and counts["exits"].get("2", 0) > 50   # both paths reached


def test_cases_are_reproducible_from_the_seed_and_number():
    fuzz = _fuzz_module()
    seeds = fuzz.Seeds({"nnbasic": (FUZZ.parents[1] / "problems" / "nnbasic.yaml").read_text()}, {},
                       "x1,x2,label\n0.1,0.2,a\n0.3,0.4,b\n", {"x": [[0.0, 1.0]], "y": [0]},
                       {"W1": __import__("numpy").zeros((2, 2))})
    first = fuzz.make_case(seeds, random.Random(7))
    again = fuzz.make_case(seeds, random.Random(7))
    assert first == again


def test_the_judge_counts_what_breaks_the_error_contract():
    fuzz = _fuzz_module()

    class Result:
        def __init__(self, code, out="", err="", exception=None):
            self.exit_code, self.stdout, self.stderr, self.exception = code, out, err, exception

    case = fuzz.Case("problem", "nnbasic", {}, [])
    tally = fuzz.Tally()
    fuzz.judge(tally, 0, case, ["forward"], Result(3, err="nncalc: internal error: KeyError"), None, 0.1)
    fuzz.judge(tally, 1, case, ["forward"], Result(2, err="nncalc: error: one\nsecond line"), None, 0.1)
    fuzz.judge(tally, 2, case, ["forward"], Result(0, out="\x1b[2J"), None, 0.1)
    fuzz.judge(tally, 3, case, ["backprop", "--format", "json"], Result(0, out='{"a": NaN}'), None, 0.1)
    fuzz.judge(tally, 4, case, ["forward"], Result(0, err="x.py:1: RuntimeWarning: overflow"), None, 0.1)
    fuzz.judge(tally, 5, case, ["forward"], None, "hang", 30.0)
    fuzz.judge(tally, 6, case, ["check"], Result(1), None, 0.1)                    # a wrong answer: fine
    fuzz.judge(tally, 7, case, ["forward"], Result(0, out="fine\n"), None, 0.1)
    assert dict(tally.problems) == {"internal": 1, "error_line": 1, "control": 1, "json": 1, "warning": 1, "hang": 1}


def test_tree_mutations_keep_a_document_yaml_can_write():
    fuzz = _fuzz_module()
    doc = yaml.safe_load((FUZZ.parents[1] / "problems" / "nnbasic.yaml").read_text())
    for k in range(50):
        yaml.safe_dump(fuzz.mutate_tree(random.Random(k), yaml.safe_load(yaml.safe_dump(doc))))
