"""examples/timeseries_weather_forecasting.py: keras-io's tutorial code on a generated Jena-style
CSV: keras.preprocessing.timeseries_dataset_from_array windows (here 40 h sampled hourly, target
6 h later; the tutorial's 5 days and 12 h take minutes), batches read with .numpy(), LSTM(32) fit with EarlyStopping and a best-only weights
checkpoint, reloaded; the forecast beats predicting the mean by far."""
import sys
from pathlib import Path

import numpy as np

import gradiente as keras

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))


def test_tutorial_forecasts_temperature_from_the_csv(tmp_path):
    import timeseries_weather_forecasting as example

    csv_path = tmp_path / "jena_climate_2009_2016.csv"
    example.write_climate_csv(csv_path, records=2500, seed=0)
    assert csv_path.read_text().splitlines()[0].startswith("Date Time,p (mbar),T (degC)")
    keras.utils.set_random_seed(42)
    model, history, dataset_val = example.main(str(csv_path), epochs=8, checkpoint_dir=str(tmp_path), past=240,
                                                  future=36, verbose=0)
    assert (tmp_path / "model_checkpoint.weights.h5").exists()
    windows = list(dataset_val)
    x = np.concatenate([w[0].numpy() for w in windows])
    y = np.concatenate([w[1].numpy() for w in windows])
    assert x.shape[1:] == (40, 7) and y.shape[1:] == (1,)
    # The reloaded weights are the best epoch's: their loss is the lowest val_loss recorded.
    best = min(history.history["val_loss"])
    mse = float(np.mean((model.predict(x, verbose=0) - y) ** 2))
    np.testing.assert_allclose(mse, best, rtol=1e-4)
    assert best < 0.3 * float(np.var(y))  # predicting the mean scores var(y)
