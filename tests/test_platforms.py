"""The course platforms' files, each read back by an independent reader: Moodle XML by an XML parser
and a Cloze-syntax parser written here, GIFT by a GIFT parser written here, PrairieLearn's server.py
imported and run, Gradescope's results.json against the specification's field names and types."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
import yaml

from test_variants import HW3, ROSTER


@pytest.fixture
def variants(tmp_path: Path, cli) -> Path:
    (tmp_path / "hw3.yaml").write_text(HW3)
    (tmp_path / "roster.csv").write_text(ROSTER)
    result = cli("variants", tmp_path / "hw3.yaml", "--roster", tmp_path / "roster.csv", "--seed", "7",
                 "-o", tmp_path / "hw3", "--no-handouts")
    assert result.exit_code == 0, result.output
    return tmp_path / "hw3"


def _keys(folder: Path) -> dict[str, dict]:
    return {p.stem: yaml.safe_load(p.read_text()) for p in sorted(folder.glob("s*.yaml"))}


def _mistaken_values(folder: Path, sid: str, name: str) -> dict[float, str]:
    """What the mistake catalogue predicts for one asked quantity of one variant (the reference)."""
    from nncalc.check import Checker, checking_trace
    from nncalc.problem import load_problem

    checker = Checker(checking_trace(load_problem(folder / f"{sid}.yaml")))
    return {alt.value(name): alt.mistake.title for alt in checker.alternatives if name in alt.reach}


def predicted_value(predicted: dict[float, str], title: str) -> float:
    return next(v for v, t in predicted.items() if t == title)


# ---------------------------------------------------------------- a Cloze parser, from Moodle's documentation

_SUB = re.compile(r"\{(\d+):(NUMERICAL|NM):((?:\\.|[^\\}])*)\}")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def parse_cloze(text: str) -> list[dict]:
    """Every NUMERICAL sub-question: its mark and answers [(percent, value, tolerance, feedback)]."""
    subs = []
    for m in _SUB.finditer(text):
        answers = []
        for part in re.split(r"(?<!\\)~", m.group(3)):
            head, _, feedback = re.split(r"(?<!\\)(#)", part, maxsplit=1) if "#" in part else (part, "", "")
            grade = re.match(r"^(=|%(-?\d+(?:\.\d+)?)%)(.*)$", head)
            assert grade, f"an answer without = or %n%: {part!r}"
            percent = 100.0 if grade.group(1) == "=" else float(grade.group(2))
            value, tol = grade.group(3).split(":")
            answers.append((percent, float(value), float(tol), _unescape(feedback)))
        subs.append({"mark": int(m.group(1)), "answers": answers})
    leftover = _SUB.sub("", text)
    assert "{1:" not in leftover, "a sub-question the parser did not recognise"
    return subs


def test_moodle_xml_has_one_cloze_question_per_variant_in_one_category(cli, variants, tmp_path):
    out = tmp_path / "hw3.xml"
    result = cli("quiz", "moodle", variants, "-o", out)
    assert result.exit_code == 0, result.output
    root = ET.parse(out).getroot()
    assert root.tag == "quiz"
    category, *questions = root.findall("question")
    assert category.get("type") == "category"
    assert category.find("category/text").text == "$course$/top/HW3 backprop"
    assert [q.get("type") for q in questions] == ["cloze"] * 3
    keys = _keys(variants)
    for q in questions:
        sid = q.find("idnumber").text
        assert q.find("questiontext").get("format") == "html"
        assert "w5+ = w5 - η * ∂E_total/∂w5" in q.find("generalfeedback/text").text      # the worked solution
        subs = parse_cloze(q.find("questiontext/text").text)
        asked = keys[sid]["answers"]
        assert len(subs) == len(asked)
        for sub, (name, key) in zip(subs, asked.items()):
            (percent, value, tol, feedback), *wrong = sub["answers"]
            assert (sub["mark"], percent, tol, feedback) == (1, 100.0, 1e-4, "Correct.")
            assert value == pytest.approx(key, abs=1e-11)
            predicted = _mistaken_values(variants, sid, name)
            for percent, value, tol, feedback in wrong:
                assert percent == 0 and tol == 1e-4 and abs(value - key) > 2e-4
                titles = [t for v, t in predicted.items() if abs(v - value) <= 2e-4]
                assert titles and feedback.startswith("Wrong: ")
                assert all(t in feedback for t in titles if abs(predicted_value(predicted, t) - value) < 1e-9)
        by_name = dict(zip(asked, subs))
        added = [a for a in by_name["new.w5"]["answers"] if "update added" in a[3]]
        assert added, "the update added instead of subtracted is offered as a wrong answer"
        w5, eta = keys[sid]["network"]["layers"][1]["weights"][0][0], keys[sid]["learning_rate"]
        assert added[0][1] == pytest.approx(w5 + eta * asked["grad.w5"], abs=1e-9)


def test_cloze_feedback_escapes_moodles_special_characters():
    from nncalc.platforms.moodle import cloze_text

    escaped = cloze_text('a} b# c~ d/ e" f\\ g{ <h>')
    assert escaped == 'a\\} b\\# c\\~ d\\/ e\\" f\\\\ g( &lt;h&gt;'
    assert _unescape(escaped) == 'a} b# c~ d/ e" f\\ g( &lt;h&gt;'


# ---------------------------------------------------------------- GIFT

_GIFT_NUMERIC = re.compile(r"^::(?P<title>(?:\\.|[^:\\])*)::\[html\](?P<text>(?:\\.|[^{\\])*)\{#(?P<answers>(?:\\.|[^}\\])*)\}$")


def test_gift_has_one_numerical_question_per_variant_and_quantity(cli, variants, tmp_path):
    out = tmp_path / "hw3.gift"
    assert cli("quiz", "gift", variants, "-o", out).exit_code == 0
    keys = _keys(variants)
    category, questions = None, []
    for line in out.read_text().split("\n"):
        if not line or line.startswith("//"):
            continue
        if line.startswith("$CATEGORY:"):
            category = line.removeprefix("$CATEGORY:").strip()
            continue
        m = _GIFT_NUMERIC.match(line)
        assert m, f"not a GIFT numerical question: {line[:80]}"
        answers = []
        for part in re.split(r"(?<!\\)=", m.group("answers"))[1:]:
            head, feedback = re.split(r"(?<!\\)#", part, maxsplit=1)
            weight = re.match(r"^(?:%(\d+)%)?(.*)$", head.strip())
            value, tol = re.split(r"(?<!\\)\\?:", weight.group(2))
            answers.append((int(weight.group(1) or 100), float(value), float(tol), _unescape(feedback).strip()))
        questions.append((category, _unescape(m.group("title")), answers))
    assert len(questions) == 3 * 6
    for category, title, answers in questions:
        _, sid, name = title.rsplit(" ", 2)
        assert category.endswith(f" {name}")
        assert answers[0][:3] == (100, pytest.approx(keys[sid]["answers"][name], abs=1e-11), 1e-4)
        assert all(a[0] == 0 and a[3].startswith("Wrong: ") for a in answers[1:])


# ---------------------------------------------------------------- PrairieLearn

def test_prairielearn_server_generates_and_grades_with_the_standard_library_only(cli, variants, tmp_path):
    out = tmp_path / "pl" / "hw3"
    assert cli("quiz", "prairielearn", variants, "-o", out).exit_code == 0
    info = json.loads((out / "info.json").read_text())
    assert info["type"] == "v3" and re.fullmatch(r"[0-9a-f-]{36}", info["uuid"]) and info["title"] == "HW3 backprop"
    html = (out / "question.html").read_text()
    inputs = re.findall(r'<pl-number-input answers-name="([^"]+)"[^>]*atol="([^"]+)"', html)
    assert [n for n, _ in inputs] == ["out_h1", "E_total", "grad_w5", "new_w5", "grad_w1", "new_w1"]
    assert "{{{params.statement}}}" in html
    source = (out / "server.py").read_text()
    imported = set(re.findall(r"^(?:import|from) (\w+)", source, re.M))
    assert imported <= set(sys.stdlib_module_names)
    spec = importlib.util.spec_from_file_location("pl_server", out / "server.py")
    server = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(server)
    keys = _keys(variants)
    data = {"params": {}, "correct_answers": {}, "variant_seed": 1234567, "submitted_answers": {}, "feedback": {}}
    server.generate(data)
    sid = data["params"]["variant"]
    key = keys[sid]["answers"]
    assert data["correct_answers"]["grad_w5"] == key["grad.w5"]
    assert f">{keys[sid]['network']['layers'][0]['weights'][0][0]:g}</td>" in data["params"]["statement"]
    right = dict(data, submitted_answers={"new_w5": round(key["new.w5"], 4)}, feedback={})
    server.grade(right)
    assert right["feedback"] == {}
    w5, eta = keys[sid]["network"]["layers"][1]["weights"][0][0], keys[sid]["learning_rate"]
    wrong = dict(data, submitted_answers={"new_w5": round(w5 + eta * key["grad.w5"], 4)}, feedback={})
    server.grade(wrong)
    feedback = wrong["feedback"]["new_w5"]
    assert feedback.startswith("Wrong: ") and "the update added, not subtracted (p + η·grad)" in feedback
    other = {"params": {}, "correct_answers": {}, "variant_seed": 1234568}
    server.generate(other)
    assert other["params"]["variant"] != sid


# ---------------------------------------------------------------- Gradescope

def test_gradescope_results_follow_the_specification(cli, variants, tmp_path):
    key = _keys(variants)["s001"]["answers"]
    answers = tmp_path / "a.yaml"
    answers.write_text("answers:\n" + "".join(f"  {n}: {v:.4f}\n" for n, v in list(key.items())[:4])
                       + "  grad.w1: 1.2345\n")
    result = cli("check", variants / "s001.yaml", answers, "--format", "gradescope", "-o", tmp_path / "results.json")
    assert result.exit_code == 1
    data = json.loads((tmp_path / "results.json").read_text())
    assert isinstance(data["score"], float) and data["score"] == 4.0
    assert data["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
    assert data["stdout_visibility"] in ("hidden", "after_due_date", "after_published", "visible")
    assert isinstance(data["output"], str)
    tests = data["tests"]
    assert [t["name"] for t in tests] == list(key)
    for t in tests:
        assert set(t) <= {"score", "max_score", "status", "name", "name_format", "number", "output",
                          "output_format", "tags", "visibility", "extra_data"}
        assert isinstance(t["score"], float) and isinstance(t["max_score"], float) and t["max_score"] == 1.0
        assert t["status"] in ("passed", "failed") and isinstance(t["output"], str)
        assert isinstance(t["number"], str) and isinstance(t["name"], str)
    assert [t["status"] for t in tests] == ["passed"] * 4 + ["failed", "failed"]
    assert "missing" in tests[5]["output"]
    assert f"{key['grad.w1']:.4f}" not in json.dumps(data)        # the key is not shown


def test_gradescope_results_for_an_unusable_file_still_say_why(cli, variants, tmp_path):
    out = tmp_path / "results.json"
    result = cli("check", variants / "s001.yaml", tmp_path / "absent.yaml", "--format", "gradescope", "-o", out)
    assert result.exit_code == 2
    data = json.loads(out.read_text())
    assert data["score"] == 0.0 and "no such file" in data["output"] and data["tests"] == []


def test_autograder_zip_holds_setup_run_problem_and_an_installable_wheel(cli, variants, tmp_path):
    out = tmp_path / "autograder.zip"
    result = cli("autograder", variants / "s001.yaml", "-o", out)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert names[:3] == ["setup.sh", "run_autograder", "problem.yaml"]
        wheel = next(n for n in names if n.endswith("-py3-none-any.whl"))
        assert (zf.getinfo("run_autograder").external_attr >> 16) & 0o111
        assert wheel in zf.read("setup.sh").decode()
        run = zf.read("run_autograder").decode()
        assert "--format gradescope" in run and "/autograder/results/results.json" in run
        assert zf.read("problem.yaml") == (variants / "s001.yaml").read_bytes()
        (tmp_path / wheel).write_bytes(zf.read(wheel))
    again = tmp_path / "again.zip"
    cli("autograder", variants / "s001.yaml", "-o", again)
    assert again.read_bytes() == out.read_bytes()
    site = tmp_path / "site"
    with zipfile.ZipFile(tmp_path / wheel) as zf:
        record = zf.read(next(n for n in zf.namelist() if n.endswith("/RECORD"))).decode()
        assert all(line.split(",")[0] in zf.namelist() for line in record.splitlines())
        assert "nncalc/problems/nnbasic.yaml" in zf.namelist()
        zf.extractall(site)
    done = subprocess.run([sys.executable, "-c", "import nncalc.cli, nncalc.bundled as b; print(len(b.bundled_problems()))"],
                          cwd=tmp_path, env={"PYTHONPATH": str(site)}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 10


def test_an_autograder_of_a_variants_folder_grades_each_submitter_against_their_variant(cli, variants, tmp_path):
    """run_autograder itself, with /autograder moved into a temporary folder: the submitter's email in
    Gradescope's submission metadata picks their variant."""
    import shutil

    out = tmp_path / "autograder.zip"
    result = cli("autograder", variants, "-o", out)
    assert result.exit_code == 0, result.output
    root = tmp_path / "autograder"
    with zipfile.ZipFile(out) as zf:
        assert {"variants/variants.csv", "variants/s001.yaml", "variants/s003.yaml"} <= set(zf.namelist())
        zf.extractall(root / "source")
    script = (root / "source" / "run_autograder").read_text().replace("/autograder", str(root))
    (root / "submission").mkdir()
    key = _keys(variants)["s002"]["answers"]
    (root / "submission" / "hw.yaml").write_text("answers:\n" + "".join(f"  {n}: {v:.4f}\n" for n, v in key.items()))
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"email": "Alan@uni.edu", "name": "A"}]}))
    bin_dir = Path(sys.executable).parent
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    assert shutil.which("nncalc", path=env["PATH"])
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["score"] == 6.0, data["output"]
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"email": "ada@uni.edu"}]}))
    subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True)
    assert json.loads((root / "results" / "results.json").read_text())["score"] < 6.0   # s001's variant
    (root / "submission_metadata.json").unlink()
    (root / "submission" / "hw.yaml").write_text("student: s002\n" + (root / "submission" / "hw.yaml").read_text())
    subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True)
    assert json.loads((root / "results" / "results.json").read_text())["score"] == 6.0   # by `student:`
