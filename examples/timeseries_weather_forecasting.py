"""keras-io's "Timeseries forecasting for weather prediction"
(examples/timeseries/timeseries_weather_forecasting.py) as a learner copies it, with
``import gradiente as keras``: a CSV of 10-minute weather records -> normalized features ->
``keras.preprocessing.timeseries_dataset_from_array`` windows of 5 days sampled hourly ->
LSTM(32) -> the temperature 12 hours after each window, trained with EarlyStopping and a
best-only ModelCheckpoint of the weights.

    python examples/timeseries_weather_forecasting.py [jena_climate_2009_2016.csv]

Without a file the script writes a small CSV with the Jena climate file's columns: a daily
temperature cycle, weather that drifts slowly, and the other columns derived from them with
noise. The tutorial's Keras code is kept; what differs from it:
- it reads the CSV with pandas and slices DataFrames (``df[selected_features]``,
  ``features.iloc[start:end][[1]]``); here the same columns and rows are NumPy slices
  (keras.preprocessing.timeseries_dataset_from_array takes either);
- the plots are left out, except their data: the ``.numpy()`` reads of the batches;
- fewer records and epochs, and shorter windows in the test (``main``'s arguments).
"""
import csv
import os
import sys
import tempfile

import numpy as np

import gradiente as keras

FEATURE_KEYS = ["p (mbar)", "T (degC)", "Tpot (K)", "Tdew (degC)", "rh (%)", "VPmax (mbar)", "VPact (mbar)",
                "VPdef (mbar)", "sh (g/kg)", "H2OC (mmol/mol)", "rho (g/m**3)", "wv (m/s)", "max. wv (m/s)",
                "wd (deg)"]
DATE_TIME_KEY = "Date Time"


def write_climate_csv(path, records=6000, seed=0):
    """A CSV laid out as jena_climate_2009_2016.csv: one row every 10 minutes."""
    rng = np.random.default_rng(seed)
    t = np.arange(records)
    drift = np.zeros(records)  # slow weather changes that pull back to the mean (AR(1))
    for i in range(1, records):
        drift[i] = 0.999 * drift[i - 1] + rng.normal(0, 0.05)
    temp = 10 + 8 * np.sin(2 * np.pi * t / 144) + drift + rng.normal(0, 0.3, records)
    columns = [990 + 5 * np.sin(2 * np.pi * t / 3000) + rng.normal(0, 0.3, records), temp, temp + 278.2,
               temp - 5 + rng.normal(0, 0.5, records), 70 - 2 * (temp - 10) + rng.normal(0, 2, records),
               6 + 0.5 * temp, 5 + 0.3 * temp + rng.normal(0, 0.2, records), 1 + 0.2 * temp, 4 + 0.2 * temp,
               6 + 0.3 * temp, 1300 - 4 * temp, np.abs(rng.normal(2, 1, records)),
               np.abs(rng.normal(3, 1, records)), rng.uniform(0, 360, records)]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([DATE_TIME_KEY, *FEATURE_KEYS])
        for i in range(records):
            day, minute = divmod(i * 10, 1440)
            stamp = f"{day % 28 + 1:02d}.{day // 28 % 12 + 1:02d}.2009 {minute // 60:02d}:{minute % 60:02d}:00"
            writer.writerow([stamp, *(f"{column[i]:.2f}" for column in columns)])


def read_climate_csv(path):
    """(column names, float array of the columns after the date)."""
    with open(path, newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    return header[1:], np.loadtxt(path, delimiter=",", skiprows=1, usecols=range(1, len(header)))


def normalize(data, train_split):
    data_mean = data[:train_split].mean(axis=0)
    data_std = data[:train_split].std(axis=0)
    return (data - data_mean) / data_std


def main(csv_path, epochs=10, checkpoint_dir=".", past=720, future=72, verbose=1):
    """The tutorial on ``csv_path``: windows of ``past`` records (one in 6 read), the target
    ``future`` records after a window; returns (model, history, dataset_val)."""
    names, values = read_climate_csv(csv_path)
    split_fraction = 0.715
    train_split = int(split_fraction * int(values.shape[0]))
    step = 6
    learning_rate = 0.001
    batch_size = 256

    selected_features = [FEATURE_KEYS[i] for i in [0, 1, 5, 7, 8, 10, 11]]
    features = values[:, [names.index(key) for key in selected_features]]  # df[selected_features]
    features = normalize(features, train_split)
    train_data = features[0:train_split]
    val_data = features[train_split:]

    start = past + future
    end = start + train_split
    x_train = train_data[:, [i for i in range(7)]]
    y_train = features[start:end][:, [1]]
    sequence_length = int(past / step)
    dataset_train = keras.preprocessing.timeseries_dataset_from_array(
        x_train, y_train, sequence_length=sequence_length, sampling_rate=step, batch_size=batch_size,
    )
    x_end = len(val_data) - past - future
    label_start = train_split + past + future
    x_val = val_data[:x_end][:, [i for i in range(7)]]
    y_val = features[label_start:][:, [1]]
    dataset_val = keras.preprocessing.timeseries_dataset_from_array(
        x_val, y_val, sequence_length=sequence_length, sampling_rate=step, batch_size=batch_size,
    )
    for batch in dataset_train.take(1):
        inputs, targets = batch
    if verbose:
        print("Input shape:", inputs.numpy().shape)
        print("Target shape:", targets.numpy().shape)

    inputs = keras.layers.Input(shape=(inputs.shape[1], inputs.shape[2]))
    lstm_out = keras.layers.LSTM(32)(inputs)
    outputs = keras.layers.Dense(1)(lstm_out)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse")
    if verbose:
        model.summary()

    path_checkpoint = os.path.join(checkpoint_dir, "model_checkpoint.weights.h5")
    es_callback = keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=0, patience=5)
    modelckpt_callback = keras.callbacks.ModelCheckpoint(
        monitor="val_loss", filepath=path_checkpoint, verbose=verbose, save_weights_only=True,
        save_best_only=True,
    )
    history = model.fit(dataset_train, epochs=epochs, validation_data=dataset_val,
                        callbacks=[es_callback, modelckpt_callback], verbose=verbose)
    # The tutorial plots the history, then a window, its true future and the prediction:
    for x, y in dataset_val.take(5):
        plot_data = [x[0][:, 1].numpy(), y[0].numpy(), model.predict(x, verbose=0)[0]]
        if verbose:
            print(f"last temperature {plot_data[0][-1]:+.2f}, in 12 h: true {plot_data[1][0]:+.2f}, "
                  f"predicted {plot_data[2][0]:+.2f} (normalized)")
    model.load_weights(path_checkpoint)  # the best epoch's weights
    return model, history, dataset_val


if __name__ == "__main__":
    keras.utils.set_random_seed(42)
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as scratch:
            write_climate_csv(os.path.join(scratch, "jena_climate_2009_2016.csv"))
            main(os.path.join(scratch, "jena_climate_2009_2016.csv"), epochs=5, checkpoint_dir=scratch)
