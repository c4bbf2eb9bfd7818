"""LaTeX, Beamer and HTML documents of a worked example: the source as promised (ASCII, booktabs,
align*, \\onslide, MathML, no script), and with the real engines, when installed, every bundled
problem compiled by pdflatex and drawn by headless Chromium."""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nncalc
from nncalc.bundled import bundled_problems
from nncalc.errors import NncalcError
from nncalc.render.mathtext import latex_math, latex_text, mathml
from nncalc.render.texmathml import NoMathML, tex_mathml
from nncalc.render.table import tabs

W5_GRAD = "0.084155041"      # NNBasic deck (seed 002), "Backward Propagation": dE_total/dw5
NAMES = sorted(bundled_problems())
SPEC = {"name": "x\\input{/etc/passwd} $&%#_{}~^ <script>é€", "network": {"inputs": 1, "layers": [{"units": 1, "weights": [[1]]}]},
        "data": [{"input": [1], "target": [0]}]}


def _result(name):
    """The backprop of a bundled problem, or its forward pass where it has no backward one (None:
    a problem with no samples written out, which has no worked example)."""
    p = nncalc.load(name)
    for run in (p.backprop, p.forward):
        try:
            return run()
        except NncalcError:
            continue
    return None


def _worked() -> dict:
    results = {name: _result(name) for name in NAMES}
    return {name: r for name, r in results.items() if r is not None}


def _shown_number(result) -> str:
    """A number the document must show: the last cell of the first table."""
    tab = next(t for t in tabs(result.trace, 9, unicode=True) if not isinstance(t, str))
    row = next(r for r in reversed(tab.rows) if r)
    return row[-1]


def test_the_deck_notation_is_written_as_latex():
    assert latex_math("∂E_total/∂w5") == r"\frac{\partial E_{total}}{\partial w_{5}}"
    assert latex_math("w5+") == "w_{5}^{+}"
    assert latex_math("out_h1") == "out_{h1}"
    assert latex_math("η * δ_o1") == r"\eta \cdot \delta_{o1}"
    assert latex_math("1/(1 + e^-net_h1)") == r"1 / (1 + e ^ {- net_{h1}})"


def test_a_shape_is_written_as_a_product_not_as_a_subscripted_x():
    # the layer table's W column of deep-10x100 reads '100x100' (100 rows, 100 columns)
    assert latex_math("100x100") == r"100 \times 100" and latex_math("2x100") == r"2 \times 100"
    assert mathml("100x100") == "<mrow><mn>100</mn><mo>×</mo><mn>100</mn></mrow>"
    assert latex_math("x1") == "x_{1}" and latex_math("w5 * x1") == r"w_{5} \cdot x_{1}"


def test_the_deck_notation_is_written_as_mathml_from_its_latex():
    assert mathml("w5+") == "<mrow><msubsup><mi>w</mi><mn>5</mn><mo>+</mo></msubsup></mrow>"
    assert mathml("∂E_total/∂w5") == ("<mrow><mfrac><mrow><mo>∂</mo><msub><mi>E</mi><mi>total</mi></msub></mrow>"
                                      "<mrow><mo>∂</mo><msub><mi>w</mi><mn>5</mn></msub></mrow></mfrac></mrow>")
    assert "&lt;" in mathml("a < b") and "<mo>·</mo>" in mathml("η * δ_o1")
    assert tex_mathml(r"\frac{1}{1 + e^{-net_{h1}}}") == (
        "<mrow><mfrac><mn>1</mn><mrow><mn>1</mn><mo>+</mo><msup><mi>e</mi><mrow><mo>−</mo><msub><mi>net</mi>"
        "<mi>h1</mi></msub></mrow></msup></mrow></mfrac></mrow>")
    assert tex_mathml(r"\text{ via } x") == "<mrow><mtext>&#160;via&#160;</mtext><mi>x</mi></mrow>"
    with pytest.raises(NoMathML, match=r"\\unknowncommand"):
        tex_mathml(r"\unknowncommand{x}", strict=True)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab_1∂/@[]t+-^(){}\\ σ·<>&é$%", max_size=40))
def test_any_math_text_makes_well_formed_mathml_and_ascii_latex(text):
    """Every string converts: whatever the explainer or a file's names write, its LaTeX is ASCII
    and the MathML translated from it is well-formed XML."""
    import xml.etree.ElementTree as ET

    assert latex_math(text).isascii()
    ET.fromstring(f"<math>{mathml(text)}</math>")


def _operation_formulas() -> list[tuple[str, str]]:
    """Every registered activation's and loss's own LaTeX, placeholders filled as a derivation
    fills them (names with subscripts, a negative number, alpha)."""
    from nncalc.ops import ACTIVATIONS, LOSSES

    fill = {"net": "net_{h1}", "out": "out_{h1}^{(2)}", "alpha": "0.01", "t": "target_{o1}", "y": "- 0.5"}
    forms = [(f"{a.name}.{kind}", tex) for a in ACTIVATIONS.values()
             for kind, texs in (("out_latex", a.out_latex), ("dout_latex", a.dout_latex)) for tex in texs]
    forms += [(f"{loss.name}.{kind}", tex) for loss in LOSSES.values()
              for kind, tex in (("term_latex", loss.term_latex), ("dterm_latex", loss.dterm_latex)) if tex]
    return [(where, re.sub(r"\{(\w+)\}", lambda m: fill.get(m.group(1), m.group(0)), tex)) for where, tex in forms]


@pytest.mark.parametrize("where, tex", _operation_formulas())
def test_every_operations_latex_has_mathml(where, tex):
    """An operation's notation is its LaTeX; the page's MathML is that LaTeX translated, so every
    formula an operation registers must be within the translator's subset (strict: no command
    left as text) and make well-formed MathML."""
    import xml.etree.ElementTree as ET

    ml = tex_mathml(tex, strict=True)
    assert "\\" not in ml, where
    ET.fromstring(f"<math>{ml}</math>")


def test_text_from_a_file_is_escaped_into_ascii_latex():
    text = latex_text(SPEC["name"])
    assert text.isascii() and "\\input" not in text and "\\textbackslash{}input" in text
    assert r"\$\&\%\#\_\{\}" in text and "e" in text


def test_the_latex_document_has_booktabs_tables_and_align_blocks_in_ascii():
    tex = nncalc.load("nnbasic").backprop().render("latex", explain=True)
    assert tex.isascii() and tex.startswith(r"\documentclass") and r"\usepackage{amsmath,booktabs" in tex
    assert r"\toprule" in tex and r"\begin{align*}" in tex
    assert r"\frac{\partial E_{total}}{\partial w_{5}} &= " in tex and r"w_{5}^{+} &= " in tex
    assert W5_GRAD in tex


def test_the_fragment_is_the_body_without_a_preamble():
    r = nncalc.load("nnbasic").backprop()
    fragment, document = r.render("latex-fragment", explain=True), r.render("latex", explain=True)
    assert r"\documentclass" not in fragment and r"\begin{document}" not in fragment
    assert fragment.split("\n", 1)[1] in document


def test_beamer_reveals_each_line_of_a_chain_with_onslide():
    tex = nncalc.load("nnbasic").backprop().render("beamer")
    assert r"\documentclass{beamer}" in tex and r"\pause" not in tex
    assert r"&\onslide<2->{= " in tex and r"&\onslide<3->{= " in tex


def test_the_html_page_is_self_contained_with_mathml_and_a_viewport():
    page = nncalc.load("nnbasic").backprop().render("html", explain=True)
    assert page.startswith("<!DOCTYPE html>") and 'name="viewport"' in page
    assert "<script" not in page and "http" not in page.lower().replace('http-equiv', '')
    assert page.count('<math display="block"') > 30 and W5_GRAD in page


def test_documents_escape_the_problem_name():
    r = nncalc.load(SPEC).backprop()
    assert "<script>" not in r.render("html", explain=True)
    assert "\\input{" not in r.render("latex", explain=True)


CLASS = Path(__file__).parent / "fixtures" / "check" / "class"


def test_a_check_report_in_latex_has_the_verdicts_and_works_out_the_wrong_one(cli):
    result = cli("check", "nnbasic", CLASS / "kim.yaml", "--explain", "--format", "latex")
    tex = result.stdout
    assert result.exit_code == 1 and tex.startswith(r"\documentclass") and tex.isascii()
    assert r"\toprule" in tex and "wrong" in tex and "carried forward" in tex
    derivation = tex[tex.index("How the wrong ones are worked out"):]
    # Kim's dE_o1/dout_h1 used w5+; the right one is delta_o1 * w5 = 0.137068663 * 0.24 = 0.032896479
    assert r"\delta_{o1} \cdot w_{5}" in derivation and "0.032896479" in derivation
    assert "How the wrong" not in cli("check", "nnbasic", CLASS / "kim.yaml", "--format", "latex").stdout


def test_train_explain_in_latex_is_a_section_per_update_from_the_weights_before_it(cli):
    result = cli("train", "nnbasic", "--steps", "2", "--explain", "--format", "latex")
    tex = result.stdout
    assert result.exit_code == 0 and tex.startswith(r"\documentclass") and tex.rstrip().endswith(r"\end{document}")
    first, second = tex.split(r"\section*{Update 2 of 2}")
    assert r"\section*{Update 1 of 2}" in first and W5_GRAD in first      # the deck's first update
    assert "$0.19792248$" in second.split(r"\subsection*{Derivation}")[0]  # w5+ is the second update's w5
    assert cli("train", "nnbasic", "--steps", "2", "--format", "latex").exit_code == 2


@pytest.mark.parametrize("fmt", ["html", "beamer"])
def test_a_check_report_as_a_page_or_slides_works_out_the_wrong_answer(cli, fmt):
    result = cli("check", "nnbasic", CLASS / "kim.yaml", "--explain", "--format", fmt)
    text = result.stdout
    assert result.exit_code == 1 and "How the wrong ones are worked out" in text
    assert "0.032896479" in text and "carried forward" in text      # delta_o1 * w5 (NNBasic deck)
    if fmt == "html":
        assert text.startswith("<!DOCTYPE html>") and "<script" not in text
        assert '<math display="block" data-of="dE.o1/dout.h1">' in text
    else:
        assert text.startswith(r"\documentclass{beamer}") and r"\onslide<2->" in text and r"\pause" not in text


@pytest.mark.parametrize("fmt", ["html", "beamer"])
def test_train_explain_as_a_page_or_slides_has_every_update(cli, fmt):
    result = cli("train", "nnbasic", "--steps", "2", "--explain", "--format", fmt)
    text = result.stdout
    assert result.exit_code == 0 and "Update 1 of 2" in text and "Update 2 of 2" in text
    first, second = text.split("Update 2 of 2")
    assert W5_GRAD in first and "0.19792248" in second       # the deck's first update; w5+ is the second's w5
    assert ("<math" in text) if fmt == "html" else (r"\onslide" in text)
    refused = cli("train", "nnbasic", "--steps", "2", "--format", fmt)
    assert refused.exit_code == 2 and "--explain" in refused.stderr


@pytest.mark.parametrize("args", [("check", "nnbasic", str(CLASS / "kim.yaml"), "--explain"),
                                  ("train", "nnbasic", "--steps", "2", "--explain")])
def test_a_check_report_and_a_training_come_as_a_fragment_to_paste_too(cli, args):
    fragment = cli(*args, "--format", "latex-fragment").stdout
    document = cli(*args, "--format", "latex").stdout
    assert fragment.startswith("% nncalc: needs \\usepackage{amsmath,booktabs,longtable}")
    assert r"\documentclass" not in fragment and fragment.split("\n", 1)[1] in document
    assert "0.032896479" in fragment if args[0] == "check" else "Update 2 of 2" in fragment


def _handouts(cli, tmp_path: Path, fmt: str) -> Path:
    (tmp_path / "hw3.yaml").write_text((Path(__file__).parent.parent / "examples" / "hw3-variants.yaml").read_text())
    out = tmp_path / fmt
    result = cli("variants", tmp_path / "hw3.yaml", "-n", "2", "-o", out, "--handout-format", fmt)
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("fmt, suffix", [("latex", ".tex"), ("html", ".html")])
def test_handouts_and_solutions_in_latex_and_html_hold_the_same_key(cli, tmp_path, fmt, suffix):
    out = _handouts(cli, tmp_path, fmt)
    key = __import__("yaml").safe_load((out / "variant-01.yaml").read_text())["answers"]
    handout = (out / "handouts" / f"variant-01{suffix}").read_text()
    solution = (out / "solutions" / f"variant-01{suffix}").read_text()
    grad_w5 = f"{abs(key['grad.w5']):.4f}"      # LaTeX writes a minus apart: - 0.0689
    assert grad_w5 not in handout and "grad.w5" in handout and "Hand in" in handout
    assert grad_w5 in solution and "Worked solution" in solution
    if fmt == "latex":
        assert handout.isascii() and solution.isascii() and r"\begin{align*}" in solution
    else:
        assert "<script" not in solution and '<math display="block"' in solution


def _cube(monkeypatch, fmt: str = "latex") -> str:
    """A throwaway activation, out = net^3, added as one entry of ACTIVATIONS with its LaTeX: the
    document (`fmt`) of a network using it, with the derivation."""
    from nncalc.ops import activations as acts

    cube = acts.ActivationOp("cube", lambda z, _: z ** 3, lambda z, a, _: 3 * z * z, "cube",
                             ((None, None, "{net}^3"),), ((None, None, "3 {net}^2"),),
                             out_latex=(r"\left({net}\right)^{3}",), dout_latex=(r"3 \left({net}\right)^{2}",))
    monkeypatch.setitem(acts.ACTIVATIONS, "cube", cube)
    spec = {"name": "cube", "network": {"inputs": 1, "layers": [{"units": 1, "weights": [[0.5]], "activation": "cube"}]},
            "data": [{"input": [2], "target": [0]}]}
    return nncalc.load(spec).backprop().render(fmt, explain=True)


def test_an_activations_latex_is_its_entrys_own_and_a_new_activation_is_one_entry(monkeypatch):
    tex = _cube(monkeypatch)
    # net_o1 = 0.5 * 2 = 1: out = 1^3, dout/dnet = 3 * 1^2 (the entry's LaTeX, not the text's 'net^3')
    assert r"&= \left(net_{o1}\right)^{3}" in tex and r"&= \left(1.000000000\right)^{3}" in tex
    assert r"&= 3 \left(net_{o1}\right)^{2}" in tex
    sigmoid = nncalc.load("nnbasic").backprop().render("latex", explain=True)
    assert r"out_{h1} &= \sigma (net_{h1}) \\" in sigmoid and r"&= \frac{1}{1 + e^{-net_{h1}}}" in sigmoid
    assert r"E_{o1} &= \frac{1}{2} (target_{o1} - out_{o1})^{2}" in sigmoid     # half_sse's term_latex


def test_an_activations_mathml_is_its_entrys_latex_translated(monkeypatch):
    """The cube entry's LaTeX \\left({net}\\right)^{3} has parentheses its text '{net}^3' has not:
    the page's out_o1 shows them, so its MathML comes from the entry's LaTeX, as the PDF's."""
    page = _cube(monkeypatch, "html")
    out = page[page.index('data-of="out.o1"'):].split("</math>")[0]
    assert ("<msup><mrow><mo>(</mo><msub><mi>net</mi><mi>o1</mi></msub><mo>)</mo></mrow><mn>3</mn></msup>" in out
            and "<msup><mrow><mo>(</mo><mn>1.000000000</mn><mo>)</mo></mrow><mn>3</mn></msup>" in out)
    dout = page[page.index('data-of="dout/dnet.o1"'):].split("</math>")[0]
    assert "<mn>3</mn><msup><mrow><mo>(</mo><msub><mi>net</mi><mi>o1</mi></msub>" in dout
    sigmoid = nncalc.load("nnbasic").backprop().render("html", explain=True)
    out_h1 = sigmoid[sigmoid.index('data-of="out.h1"'):].split("</math>")[0]
    assert "<mfrac><mn>1</mn><mrow><mn>1</mn><mo>+</mo><msup><mi>e</mi>" in out_h1     # sigmoid's out_latex


RNN = Path(__file__).parent / "fixtures" / "rnn" / "two-step.yaml"
RNN_H1 = "0.462117157"       # h1[1] = tanh(0.5 * 1 + (-0.1) * 0 + 0) = tanh(0.5), the fixture's W and b


@pytest.mark.parametrize("fmt", ["latex", "latex-fragment", "beamer", "html"])
def test_a_recurrent_network_is_written_in_every_document_format(fmt):
    text = nncalc.load(str(RNN)).backprop().render(fmt, explain=True)
    assert RNN_H1 in text and "[2]" in text
    assert max(map(len, text.splitlines())) <= 80 or fmt == "html"


def test_a_written_recurrence_is_set_as_math_line_by_line():
    """The tables' recurrence (rnn-scalar: h[1] = tanh(0.5·1 + 0.4·0 + 0) = tanh(0.5) = 0.462117157,
    the file's W, W_h, b) is inline math in LaTeX, one line each, and MathML on the page."""
    r = nncalc.load("rnn-scalar").backprop()
    tex = " ".join(r.render("latex").split())
    assert (r"\noindent $h[1] = \tanh (0.5 \cdot 1 + 0.4 \cdot 0 + 0) = \tanh (0.500000000) = 0.462117157$\par"
            in tex)
    assert "<p><math><mrow><mi>h</mi><mo>[</mo><mn>1</mn><mo>]</mo><mo>=</mo><mi>tanh</mi>" in r.render("html")


# ---------------------------------------------------------------- the real engines

def _pdflatex(folder: Path, name: str, tex: str) -> tuple[int, str, str]:
    path = folder / f"{name}.tex"
    path.write_text(tex, encoding="ascii")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", path.name], cwd=folder,
                         capture_output=True, text=True, timeout=120)
    if run.returncode:
        return run.returncode, run.stdout[-2000:], ""
    text = subprocess.run(["pdftotext", "-layout", path.with_suffix(".pdf").name, "-"], cwd=folder,
                          capture_output=True, text=True, timeout=60).stdout
    return 0, "", text.replace("\u2212", "-")


@pytest.fixture(scope="module")
def latex_engines():
    if not (shutil.which("pdflatex") and shutil.which("pdftotext")):
        pytest.skip("pdflatex and pdftotext not installed (Debian: texlive-latex-base texlive-latex-recommended "
                    "texlive-pictures poppler-utils)")


def _overfull(folder: Path, name: str) -> list[str]:
    """pdflatex's overfull boxes in its log: a line wider than the page (\\hbox), a frame taller
    than the slide (\\vbox)."""
    return OVERFULL.findall((folder / f"{name}.log").read_text(errors="replace"))


OVERFULL = re.compile(r"Overfull \\[hv]box \([\d.]+pt too \w+\) (?:in paragraph |detected )at lines? [\d-]+")


def test_every_bundled_problem_compiles_with_pdflatex_and_shows_its_numbers(latex_engines, tmp_path):
    """... and sets within the page: no line of any document wider than the page."""
    worked = _worked()
    assert len(worked) >= 15
    jobs = [(name, r.render("latex", explain=True), _shown_number(r)) for name, r in worked.items()]
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda j: _pdflatex(tmp_path, j[0], j[1]), jobs))
    for (name, tex, number), (rc, log, text) in zip(jobs, done):
        assert rc == 0, f"{name}: pdflatex failed:\n{log}"
        assert number in text, f"{name}: {number} not in the PDF's text"
        assert max(map(len, tex.splitlines())) <= 80, f"{name}: a source line over 80 columns"
        assert not _overfull(tmp_path, name), (name, _overfull(tmp_path, name))
    nnbasic = done[list(worked).index("nnbasic")][2]
    assert W5_GRAD in nnbasic and "0.197922480" in nnbasic      # grad.w5 and w5+ (NNBasic deck)


def test_beamer_slides_compile_with_pdflatex(latex_engines, tmp_path):
    for name in ("nnbasic", "graph-circuit"):
        rc, log, text = _pdflatex(tmp_path, name, nncalc.load(name).backprop().render("beamer"))
        assert rc == 0, f"{name}: pdflatex failed:\n{log}"
    assert "-12" in text


def test_check_and_train_documents_compile_with_pdflatex(latex_engines, tmp_path, cli):
    for name, answers in (("kim", CLASS / "kim.yaml"), ("class", CLASS)):
        tex = cli("check", "nnbasic", answers, "--explain", "--format", "latex").stdout
        rc, log, text = _pdflatex(tmp_path, name, tex)
        assert rc == 0, f"{name}: pdflatex failed:\n{log}"
        assert "0.032896479" in text and "92.3%" in text
        assert not _overfull(tmp_path, name), _overfull(tmp_path, name)   # the gradebook's three text columns fit
    for fmt in ("latex", "beamer"):
        tex = cli("train", "nnbasic", "--steps", "2", "--explain", "--format", fmt).stdout
        rc, log, text = _pdflatex(tmp_path, f"train-{fmt}", tex)
        assert rc == 0 and "Update 2 of 2" in text, log
        assert not _overfull(tmp_path, f"train-{fmt}"), _overfull(tmp_path, f"train-{fmt}")
    for name, answers in (("kim-beamer", CLASS / "kim.yaml"), ("class-beamer", CLASS)):
        tex = cli("check", "nnbasic", answers, "--explain", "--format", "beamer").stdout
        rc, log, text = _pdflatex(tmp_path, name, tex)
        assert rc == 0 and "0.032896479" in text, log
        assert not _overfull(tmp_path, name), _overfull(tmp_path, name)     # Kim's verdicts: a 25 pt table before


def test_a_recurrent_networks_documents_compile_with_pdflatex(latex_engines, tmp_path):
    for fmt in ("latex", "beamer"):
        rc, log, text = _pdflatex(tmp_path, f"rnn-{fmt}", nncalc.load(str(RNN)).backprop().render(fmt, explain=True))
        assert rc == 0, log
        assert RNN_H1 in text


def test_the_bundled_documents_have_no_overfull_lines(latex_engines, tmp_path):
    """nnbasic's document and slides, and xor-20's (20 samples: the longest sums), set within the
    line and the slide (pdflatex's log has no 'Overfull \\hbox' or 'Overfull \\vbox')."""
    for name in ("nnbasic", "xor-20"):
        r = nncalc.load(name).backprop()
        for fmt in ("latex", "beamer"):
            tex = r.render(fmt, explain=True)
            assert max(map(len, tex.splitlines())) <= 80, f"{name} {fmt}: a source line over 80 columns"
            rc, log, _ = _pdflatex(tmp_path, f"{name}-{fmt}", tex)
            assert rc == 0, log
            assert not _overfull(tmp_path, f"{name}-{fmt}"), (name, fmt, _overfull(tmp_path, f"{name}-{fmt}"))


@pytest.mark.slow
def test_every_bundled_problems_slides_fit_their_frames(latex_engines, tmp_path):
    """Every bundled problem's Beamer deck (the recurrent ones run to hundreds of slides): no line
    wider than its frame, no frame taller than the slide (what does not fit goes on in '(cont.)'
    frames)."""
    jobs = [(name, r.render("beamer", explain=True)) for name, r in _worked().items()]
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda j: _pdflatex(tmp_path, j[0], j[1]), jobs))
    for (name, tex), (rc, log, _) in zip(jobs, done):
        assert rc == 0, f"{name}: pdflatex failed:\n{log}"
        assert max(map(len, tex.splitlines())) <= 80, f"{name}: a source line over 80 columns"
        assert not _overfull(tmp_path, name), (name, _overfull(tmp_path, name))


def test_a_chain_taller_than_the_slide_goes_on_in_a_continued_frame():
    from nncalc.render.latex import SLIDE_HEIGHT, chain_frames
    from nncalc.render.mathtext import Step

    parts = tuple(f"{k} + {k}" for k in range(1, 40))
    frames = chain_frames(["Derivation", "A long chain"], Step("eq", "x", parts))
    assert len(frames) > 2 and len(frames) <= 39 * 15 // SLIDE_HEIGHT + 2
    assert all(f.startswith(r"\begin{frame}{Derivation}{A long chain (cont.)}") for f in frames[1:])
    assert all("x &= " in f and r"\onslide<2->" in f for f in frames)       # each starts from x again
    assert "".join(frames).count("&") == 39 and "39 + 39" in frames[-1]


def test_a_new_activations_latex_compiles(latex_engines, tmp_path, monkeypatch):
    rc, log, text = _pdflatex(tmp_path, "cube", _cube(monkeypatch))
    assert rc == 0, log


def test_handouts_and_solutions_compile_with_pdflatex(latex_engines, tmp_path, cli):
    out = _handouts(cli, tmp_path, "latex")
    for kind in ("handouts", "solutions"):
        rc, log, text = _pdflatex(out / kind, "variant-01", (out / kind / "variant-01.tex").read_text())
        assert rc == 0, f"{kind}: pdflatex failed:\n{log}"
        assert "Learning rate" in text and ("Worked solution" in text) == (kind == "solutions")


PROBE = """<script>
const math = [...document.querySelectorAll('math')].map(e => {
  const r = e.firstElementChild.getBoundingClientRect(); return [r.width, r.height]; });
const w5 = [...document.querySelectorAll('tr')].filter(r => r.cells.length && r.cells[0].innerText.trim() === 'w5')
  .map(r => r.innerText);
const pre = document.createElement('pre'); pre.id = 'probe';
pre.textContent = JSON.stringify({math, w5}); document.body.appendChild(pre);
</script>"""


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return name
    pytest.skip("headless Chromium not installed (Debian: chromium)")


def _drawn(browser: str, page: Path) -> dict:
    """What Chromium laid out: each math element's size and the w5 row's text (read by a probe
    script in a copy of the page: the page itself has none)."""
    probe = page.with_name(page.stem + "-probe.html")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    run = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", probe.as_uri()],
                         capture_output=True, text=True, timeout=120)
    m = re.search(r'<pre id="probe">(.*?)</pre>', run.stdout, re.S)
    assert m, f"{page.name}: no probe in Chromium's DOM: {run.stderr[-500:]}"
    return json.loads(htmllib.unescape(m.group(1)))


def _other_pages(tmp_path: Path) -> dict[str, Path]:
    """The pages of a check report, a training's updates and a worked solution."""
    from typer.testing import CliRunner

    from nncalc.cli import app

    run = CliRunner().invoke
    pages = {}
    for name, args in (("check", ["check", "nnbasic", str(CLASS / "kim.yaml"), "--explain"]),
                       ("train", ["train", "nnbasic", "--steps", "2", "--explain"])):
        pages[name] = tmp_path / f"{name}-page.html"
        pages[name].write_text(run(app, [*args, "--format", "html"]).stdout, encoding="utf-8")
    (tmp_path / "hw3.yaml").write_text((Path(__file__).parent.parent / "examples" / "hw3-variants.yaml").read_text())
    run(app, ["variants", str(tmp_path / "hw3.yaml"), "-n", "1", "-o", str(tmp_path / "v"), "--handout-format", "html"])
    pages["solution"] = tmp_path / "v" / "solutions" / "variant-01.html"
    return pages


def test_every_bundled_problem_renders_in_chromium_with_sized_math(tmp_path):
    browser = _chromium()
    worked = _worked()
    pages = []
    for name, r in worked.items():
        path = tmp_path / f"{name}.html"
        path.write_text(r.render("html", explain=True), encoding="utf-8")
        pages.append(path)
    with ThreadPoolExecutor(4) as pool:
        drawn = dict(zip(worked, pool.map(lambda p: _drawn(browser, p), pages)))
    for name, page in zip(worked, pages):
        sizes = drawn[name]["math"]
        assert len(sizes) == len(re.findall(r"<math[ >]", page.read_text(encoding="utf-8"))), name
        assert all(w > 0 and h > 0 for w, h in sizes), f"{name}: a math element drawn with no size"
    assert any(W5_GRAD in row for row in drawn["nnbasic"]["w5"]), drawn["nnbasic"]["w5"]
    for name, page in _other_pages(tmp_path).items():      # check, train and solution pages
        sizes = _drawn(browser, page)["math"]
        assert sizes and all(w > 0 and h > 0 for w, h in sizes), f"{name}: a math element drawn with no size"
    shot = tmp_path / "nnbasic-phone.png"      # kept as the test's artefact, under pytest's tmp path
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=390,844",
                    f"--screenshot={shot}", pages[list(worked).index("nnbasic")].as_uri()], capture_output=True, timeout=120)
    assert shot.stat().st_size > 1000
