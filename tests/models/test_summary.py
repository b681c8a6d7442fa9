"""model.summary(): the classic tf.keras 2 table, compared line by line with real Keras output
(shared/reference/keras_facts.md section 1.1). A "|" marks the end of each expected line so
that trailing spaces are visible."""
import numpy as np
import pytest

from gradiente import layers, models


LECTURE_MLP = """
Model: "sequential"|
_________________________________________________________________|
Layer (type)                 Output Shape              Param #   |
=================================================================|
flatten (Flatten)            (None, 784)               0         |
_________________________________________________________________|
dense (Dense)                (None, 300)               235500    |
_________________________________________________________________|
dense_1 (Dense)              (None, 100)               30100     |
_________________________________________________________________|
dense_2 (Dense)              (None, 10)                1010      |
=================================================================|
Total params: 266,610|
Trainable params: 266,610|
Non-trainable params: 0|
_________________________________________________________________|
"""

KERAS_FUNCTIONAL = """
Model: "model"|
__________________________________________________________________________________________________|
Layer (type)                    Output Shape         Param #     Connected to                     |
==================================================================================================|
input_1 (InputLayer)            [(None, 8)]          0                                            |
__________________________________________________________________________________________________|
dense_3 (Dense)                 (None, 4)            36          input_1[0][0]                    |
__________________________________________________________________________________________________|
dense_4 (Dense)                 (None, 4)            36          input_1[0][0]                    |
__________________________________________________________________________________________________|
concatenate (Concatenate)       (None, 8)            0           dense_3[0][0]                    |
                                                                 dense_4[0][0]                    |
__________________________________________________________________________________________________|
dense_5 (Dense)                 (None, 1)            9           concatenate[0][0]                |
==================================================================================================|
Total params: 81|
Trainable params: 81|
Non-trainable params: 0|
__________________________________________________________________________________________________|
"""

WIDE_AND_DEEP = """
Model: "model"|
__________________________________________________________________________________________________|
Layer (type)                    Output Shape         Param #     Connected to                     |
==================================================================================================|
input_1 (InputLayer)            [(None, 8)]          0                                            |
__________________________________________________________________________________________________|
dense (Dense)                   (None, 30)           270         input_1[0][0]                    |
__________________________________________________________________________________________________|
dense_1 (Dense)                 (None, 30)           930         dense[0][0]                      |
__________________________________________________________________________________________________|
concatenate (Concatenate)       (None, 38)           0           input_1[0][0]                    |
                                                                 dense_1[0][0]                    |
__________________________________________________________________________________________________|
dense_2 (Dense)                 (None, 1)            39          concatenate[0][0]                |
==================================================================================================|
Total params: 1,239|
Trainable params: 1,239|
Non-trainable params: 0|
__________________________________________________________________________________________________|
"""

KERAS_CNN = """
Model: "sequential"|
_________________________________________________________________|
Layer (type)                 Output Shape              Param #   |
=================================================================|
conv2d (Conv2D)              (None, 26, 26, 32)        320       |
_________________________________________________________________|
max_pooling2d (MaxPooling2D) (None, 13, 13, 32)        0         |
_________________________________________________________________|
conv2d_1 (Conv2D)            (None, 11, 11, 64)        18496     |
_________________________________________________________________|
max_pooling2d_1 (MaxPooling2 (None, 5, 5, 64)          0         |
_________________________________________________________________|
flatten (Flatten)            (None, 1600)              0         |
_________________________________________________________________|
dropout (Dropout)            (None, 1600)              0         |
_________________________________________________________________|
dense (Dense)                (None, 10)                16010     |
=================================================================|
Total params: 34,826|
Trainable params: 34,826|
Non-trainable params: 0|
_________________________________________________________________|
"""


def expected_lines(text):
    return [line[:-1] for line in text.strip("\n").split("\n")]


def summary_lines(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return lines


def lecture_mlp():
    return models.Sequential([
        layers.Flatten(input_shape=[28, 28]),
        layers.Dense(300, activation="relu"),
        layers.Dense(100, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])


def wide_and_deep():
    input_ = layers.Input(shape=(8,))
    hidden1 = layers.Dense(30, activation="relu")(input_)
    hidden2 = layers.Dense(30, activation="relu")(hidden1)
    concat = layers.concatenate([input_, hidden2])
    output = layers.Dense(1)(concat)
    return models.Model(inputs=[input_], outputs=[output])


def test_lecture_sequential_summary_is_exact():
    assert summary_lines(lecture_mlp()) == expected_lines(LECTURE_MLP)


def test_summary_prints_through_print_by_default(capsys):
    assert lecture_mlp().summary() is None
    assert capsys.readouterr().out.split("\n")[:-1] == expected_lines(LECTURE_MLP)


def test_wide_and_deep_functional_summary_is_exact():
    lines = summary_lines(wide_and_deep())
    assert lines == expected_lines(WIDE_AND_DEEP)
    assert all(len(line) == 98 for line in lines[1:-4])


def test_functional_summary_matches_real_keras_output():
    inputs = layers.Input(shape=(8,))
    a = layers.Dense(4, name="dense_3")(inputs)
    b = layers.Dense(4, name="dense_4")(inputs)
    merged = layers.Concatenate()([a, b])
    model = models.Model(inputs, layers.Dense(1, name="dense_5")(merged))
    assert summary_lines(model) == expected_lines(KERAS_FUNCTIONAL)


def test_cnn_summary_cuts_long_names_like_keras():
    model = models.Sequential([
        layers.Conv2D(32, 3, activation="relu", input_shape=(28, 28, 1)),
        layers.MaxPooling2D(),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    assert summary_lines(model) == expected_lines(KERAS_CNN)


def test_chain_shaped_functional_model_uses_the_sequential_layout():
    inputs = layers.Input(shape=(8,))
    hidden = layers.Dense(4)(inputs)
    model = models.Model(inputs, layers.Dense(1)(hidden))
    lines = summary_lines(model)
    assert lines[2] == "Layer (type)                 Output Shape              Param #   "
    assert lines[4] == "input_1 (InputLayer)         [(None, 8)]               0         "
    assert lines[6] == "dense (Dense)                (None, 4)                 36        "
    assert len(lines[1]) == 65


def test_line_length_and_fractional_positions():
    lines = summary_lines(lecture_mlp(), line_length=40, positions=[0.5, 0.8, 1.0])
    assert lines[1] == "_" * 40
    assert lines[2] == "Layer (type)        Output Shap Param # "
    assert lines[6] == "dense (Dense)       (None, 300) 235500  "
    assert lines[-4:] == ["Total params: 266,610", "Trainable params: 266,610",
                          "Non-trainable params: 0", "_" * 40]


def test_absolute_positions():
    lines = summary_lines(lecture_mlp(), positions=[10, 25, 30])
    assert lines[1] == "_" * 65
    assert lines[2] == "Layer (ty Output Shape   Param"
    assert lines[6] == "dense (De (None, 300)    23550"


def test_positions_of_the_wrong_length_are_refused():
    with pytest.raises(ValueError, match="positions"):
        lecture_mlp().summary(positions=[0.5, 1.0], print_fn=lambda line: None)


def test_print_fn_is_called_once_per_line():
    calls = []
    lecture_mlp().summary(print_fn=lambda line: calls.append(line))
    assert len(calls) == 16
    assert all("\n" not in line for line in calls)


def test_show_trainable_adds_a_column():
    model = lecture_mlp()
    model.layers[1].trainable = False
    lines = summary_lines(model, show_trainable=True)
    assert len(lines[1]) == 76
    assert lines[2].endswith("Param #   Trainable  ")
    assert lines[6] == "dense (Dense)                (None, 300)               235500    N          "
    assert lines[8].rstrip().endswith("Y")
    assert lines[-3:-1] == ["Trainable params: 31,110", "Non-trainable params: 235,500"]


def test_unbuilt_sequential_says_what_it_needs():
    model = models.Sequential([layers.Dense(3), layers.Dense(1)])
    lines = summary_lines(model)
    assert len(lines) == 1
    assert "has not been built yet" in lines[0] and "build" in lines[0]
    model.build((None, 4))
    lines = summary_lines(model)
    assert lines[4] == "dense (Dense)                (None, 3)                 15        "


def test_nested_model_rows_show_the_model_name_and_class():
    inner = models.Sequential([layers.Dense(4, input_shape=(8,)), layers.Dense(2)], name="encoder")
    inputs = layers.Input(shape=(8,))
    outputs = layers.Dense(1)(inner(inputs))
    model = models.Model(inputs, outputs)
    lines = summary_lines(model)
    assert lines[6] == "encoder (Sequential)         (None, 2)                 46        "
    assert lines[-4] == "Total params: 49"
    expanded = summary_lines(model, expand_nested=True)
    assert "| dense (Dense)              (None, 4)                 36        " in expanded
    assert len(expanded) == len(lines) + 4


def test_shared_layer_gives_connections_and_multiple_shapes():
    a, b = layers.Input(shape=(3,)), layers.Input(shape=(5,))
    shared = layers.Dense(2, name="shared")
    out = layers.Concatenate()([shared(layers.Dense(3)(b)), shared(a)])
    model = models.Model([a, b], out)
    lines = summary_lines(model)
    row = lines.index(next(l for l in lines if l.startswith("shared (Dense)")))
    assert lines[row].split() == ["shared", "(Dense)", "(None,", "2)", "8", "dense[0][0]"]
    assert lines[row + 1].strip() == "input_1[0][0]"
    # A layer whose calls give different shapes shows "multiple".
    x, y = layers.Input(shape=(4,)), layers.Input(shape=(2, 4))
    dense = layers.Dense(3, name="twice")
    model = models.Model([x, y], [dense(x), dense(y)])
    row = next(l for l in summary_lines(model) if l.startswith("twice (Dense)"))
    assert row[32:53] == "multiple             "


def test_subclassed_model_summary_shows_multiple_and_counts():
    class Small(models.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hidden = layers.Dense(4, activation="relu")
            self.out = layers.Dense(1)
            self.unused = layers.Dense(7)

        def call(self, inputs):
            return self.out(self.hidden(inputs))

    model = Small()
    assert "has not been built yet" in summary_lines(model)[0]
    model(np.ones((2, 3), dtype="float32"))
    lines = summary_lines(model)
    assert lines[0] == 'Model: "small"'
    assert lines[4] == "dense (Dense)                multiple                  16        "
    assert lines[6] == "dense_1 (Dense)              multiple                  5         "
    assert lines[8] == "dense_2 (Dense)              multiple                  0 (unused)"
    assert lines[-4] == "Total params: 21"
