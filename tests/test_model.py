"""Models on disk (nncalc.model): .npz and .yaml round trips, atomic writes, refusing what is not
a model."""

import json
import os
from dataclasses import replace

import numpy as np
import pytest

from nncalc.bundled import resolve
from nncalc.errors import NncalcError
from nncalc.model import Model, ModelError, load_model, load_npz, save_npz, save_yaml
from nncalc.problem import load_problem
from nncalc.trace import build_trace
from nncalc.train import settings_from_problem, train, with_cli_overrides


def trained(name="mazur", steps=50):
    p = load_problem(resolve(name))
    t = train(p, with_cli_overrides(settings_from_problem(p), steps=steps))
    net = t.network()
    return p, Model(p.name, net, p.loss, p.learning_rate, None, t.settings.to_dict(), p.source, t.history)


def test_npz_round_trip(tmp_path):
    p, model = trained()
    path = tmp_path / "m.npz"
    save_npz(path, model)
    back = load_npz(path)
    assert back.name == model.name and back.loss == "half_sse" and back.learning_rate == 0.5
    assert back.network.parameter_values() == model.network.parameter_values()
    assert [l.units for l in back.network.layers] == [l.units for l in p.network.layers]
    assert back.network.layers[0].bias_shared and back.network.layers[0].bias_names == ("b1",)
    assert back.training["update_biases"] is False
    assert back.history == json.loads(json.dumps(model.history))
    # plain arrays and one JSON string: readable without pickle
    with np.load(path, allow_pickle=False) as archive:
        assert set(archive.files) == {"W1", "b1", "W2", "b2", "meta"}
        assert json.loads(archive["meta"].tobytes())["format"] == "nncalc-model"


def test_default_weight_names_are_not_stored_but_custom_ones_are(tmp_path):
    p, model = trained()                      # mazur names its weights w1..w8, the default numbering
    save_npz(tmp_path / "m.npz", model)
    with np.load(tmp_path / "m.npz") as archive:
        meta = json.loads(archive["meta"].tobytes())
    assert all("weight_names" not in layer for layer in meta["network"]["layers"])
    assert load_npz(tmp_path / "m.npz").network.layers[1].weight_names == (("w5", "w6"), ("w7", "w8"))
    layers = list(model.network.layers)
    layers[1] = replace(layers[1], weight_names=(("a", "b"), ("c", "d")))
    save_npz(tmp_path / "c.npz", replace(model, network=replace(model.network, layers=tuple(layers))))
    assert load_npz(tmp_path / "c.npz").network.parameter_values()["c"] == model.network.parameter_values()["w7"]


def test_float32_weights_stay_float32(tmp_path):
    p, model = trained()
    layers = tuple(replace(l, weights=l.weights.astype(np.float32), bias=l.bias.astype(np.float32))
                   for l in model.network.layers)
    model = replace(model, network=replace(model.network, layers=layers), classes=("a", "b"))
    save_npz(tmp_path / "m.npz", model)
    back = load_npz(tmp_path / "m.npz")
    assert back.dtype == np.float32 and back.classes == ("a", "b")
    assert back.float64_network().layers[0].weights.dtype == np.float64


def test_yaml_is_a_problem_file_with_the_trained_weights(tmp_path):
    p, model = trained()
    path = tmp_path / "m.yaml"
    save_yaml(path, model, p)
    again = load_problem(path)
    assert again.network.parameter_values() == model.network.parameter_values()
    assert np.array_equal(again.inputs, p.inputs) and np.array_equal(again.targets, p.targets)
    assert again.training == p.training
    # the foundation computes the trained network's values from it
    a = build_trace(again)
    b = build_trace(replace(p, network=model.network))
    assert a["E.total"].value == b["E.total"].value
    assert load_model(path).network.parameter_values() == model.network.parameter_values()


def test_yaml_refuses_large_networks(tmp_path):
    text = ("network: {inputs: 200, layers: [{units: 200, activation: relu}]}\ninit: he\nseed: 0\n"
            "data: [{input: [%s], target: [%s]}]\n") % (",".join(["0"] * 200), ",".join(["0"] * 200))
    (tmp_path / "big.yaml").write_text(text)
    p = load_problem(tmp_path / "big.yaml")
    model = Model(p.name, p.network, p.loss, p.learning_rate)
    with pytest.raises(ModelError, match="save it as .npz"):
        save_yaml(tmp_path / "out.yaml", model, p)
    assert not (tmp_path / "out.yaml").exists()


def test_atomic_save_leaves_no_partial_file(tmp_path, monkeypatch):
    _, model = trained()
    path = tmp_path / "m.npz"
    save_npz(path, model)
    before = path.read_bytes()

    def broken_savez(handle, **arrays):
        handle.write(b"PK partial")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(NncalcError, match="cannot write: disk full"):    # one clear line, exit 2
        save_npz(path, model)
    assert path.read_bytes() == before                        # the old file is untouched
    assert os.listdir(tmp_path) == ["m.npz"]                  # and no temporary file is left
    with pytest.raises(NncalcError, match="cannot write"):
        save_npz(tmp_path / "new.npz", model)
    assert not (tmp_path / "new.npz").exists()


def test_pickled_or_foreign_files_are_refused(tmp_path):
    np.savez(tmp_path / "obj.npz", meta=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ModelError, match="obj.npz"):
        load_npz(tmp_path / "obj.npz")
    np.savez(tmp_path / "plain.npz", x=np.zeros(3))
    with pytest.raises(ModelError, match="no 'meta'"):
        load_npz(tmp_path / "plain.npz")
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(ModelError, match="not an nncalc model"):
        load_npz(tmp_path / "text.npz")


def test_damaged_model_is_refused(tmp_path):
    _, model = trained()
    save_npz(tmp_path / "m.npz", model)
    with np.load(tmp_path / "m.npz") as archive:
        arrays = {k: archive[k] for k in archive.files}
    arrays["W2"] = np.zeros((3, 3))
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ModelError, match="damaged model file: W2 has shape"):
        load_npz(tmp_path / "bad.npz")


@pytest.mark.parametrize("key,bad", [("W1", np.nan), ("b2", np.inf)])
def test_model_with_non_finite_weights_is_refused(tmp_path, key, bad):
    _, model = trained()
    save_npz(tmp_path / "m.npz", model)
    with np.load(tmp_path / "m.npz") as archive:
        arrays = {k: archive[k] for k in archive.files}
    arrays[key] = arrays[key].copy()
    arrays[key].flat[0] = bad
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ModelError, match=f"damaged model file: {key} holds NaN or infinity") as info:
        load_npz(tmp_path / "bad.npz")
    assert info.value.file == str(tmp_path / "bad.npz")
