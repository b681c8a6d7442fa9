import csv
import math

import numpy as np

from callbacks_fakes import FakeModel, run_fit
from gradiente.callbacks import CSVLogger, TerminateOnNaN


def read(path, sep=","):
    with open(path, newline="") as handle:
        return list(csv.reader(handle, delimiter=sep))


def test_csv_rows_sorted_keys_flushed_each_epoch(tmp_path):
    path = tmp_path / "log.csv"
    logs = [{"loss": 0.5, "accuracy": np.float32(0.25), "val_loss": 0.75},
            {"loss": 0.25, "accuracy": 0.5, "val_loss": 0.5}]
    run_fit([CSVLogger(str(path))], FakeModel(), logs)
    rows = read(path)
    assert rows[0] == ["epoch", "accuracy", "loss", "val_loss"]
    assert rows[1:] == [["0", "0.25", "0.5", "0.75"], ["1", "0.5", "0.25", "0.5"]]


def test_csv_append_keeps_one_header_and_separator(tmp_path):
    path = tmp_path / "log.tsv"
    run_fit([CSVLogger(str(path), separator="\t")], FakeModel(), [{"loss": 1.0}])
    run_fit([CSVLogger(str(path), separator="\t", append=True)], FakeModel(), [{"loss": 0.5}])
    assert read(path, "\t") == [["epoch", "loss"], ["0", "1.0"], ["0", "0.5"]]
    run_fit([CSVLogger(str(path), separator="\t")], FakeModel(), [{"loss": 2.0}])
    assert read(path, "\t") == [["epoch", "loss"], ["0", "2.0"]]


def test_csv_missing_key_written_as_na_and_lists_quoted(tmp_path):
    path = tmp_path / "log.csv"
    logs = [{"loss": 1.0, "val_loss": 2.0, "per_class": [1, 2]}, {"loss": 0.5, "per_class": [3, 4]}]
    run_fit([CSVLogger(str(path))], FakeModel(), logs)
    assert read(path)[1:] == [["0", "1.0", "[1, 2]", "2.0"], ["1", "0.5", "[3, 4]", "NA"]]


def test_csv_readable_while_training(tmp_path):
    path = tmp_path / "log.csv"
    logger = CSVLogger(str(path))
    logger.set_model(FakeModel())
    logger.on_train_begin()
    logger.on_epoch_end(0, {"loss": 1.0})
    assert read(path) == [["epoch", "loss"], ["0", "1.0"]]
    logger.on_train_end()


def test_terminate_on_nan_stops_after_the_bad_batch(capsys):
    model = FakeModel()
    cbs = run_fit([TerminateOnNaN()], model, [{"loss": 1.0}, {"loss": 1.0}], steps=3,
                  batch_logs={"loss": math.nan})
    assert model.stop_training and cbs.history.epoch == [0]
    assert "Batch 0: Invalid loss, terminating training" in capsys.readouterr().out


def test_terminate_on_nan_also_catches_inf_and_ignores_finite():
    model = FakeModel()
    run_fit([TerminateOnNaN()], model, [{"loss": 1.0}], batch_logs={"loss": np.float32(np.inf)})
    assert model.stop_training
    model = FakeModel()
    cbs = run_fit([TerminateOnNaN()], model, [{"loss": 1.0}] * 2, batch_logs={"loss": 0.5})
    assert not model.stop_training and cbs.history.epoch == [0, 1]
