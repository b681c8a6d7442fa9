"""Knowledge distillation with a custom ``train_step``: a small student learns from the
bundled digits and from a larger teacher's softened predictions at once.

    python examples/distillation.py

The ``Distiller`` is a ``keras.Model`` whose own ``compile`` takes the two losses, whose
``train_step`` updates only the student, and whose ``metrics`` property lists its own
trackers (the loss, its two parts, the accuracy); ``fit`` resets them every epoch and
``evaluate`` runs its ``test_step``.
"""
import gradiente as keras
from gradiente import ops


class Distiller(keras.Model):
    def __init__(self, student, teacher, **kwargs):
        super().__init__(**kwargs)
        self.student = student
        self.teacher = teacher
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.student_loss_tracker = keras.metrics.Mean(name="student_loss")
        self.distillation_loss_tracker = keras.metrics.Mean(name="distillation_loss")
        self.accuracy = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

    def compile(self, optimizer, student_loss_fn, distillation_loss_fn, alpha=0.1, temperature=3.0):
        super().compile(optimizer=optimizer)
        self.student_loss_fn = student_loss_fn
        self.distillation_loss_fn = distillation_loss_fn
        self.alpha = alpha
        self.temperature = temperature

    @property
    def metrics(self):
        # Listed here, the trackers are reset at every epoch and before evaluate.
        return [self.loss_tracker, self.student_loss_tracker, self.distillation_loss_tracker,
                self.accuracy]

    def call(self, x, training=False):
        return self.student(x, training=training)

    def train_step(self, data):
        x, y = data
        teacher_logits = self.teacher(x, training=False)
        with keras.GradientTape() as tape:
            student_logits = self.student(x, training=True)
            student_loss = self.student_loss_fn(y, student_logits)
            # Soft targets: both distributions flattened by the temperature.
            distillation_loss = self.distillation_loss_fn(
                ops.softmax(teacher_logits / self.temperature, axis=1),
                ops.softmax(student_logits / self.temperature, axis=1),
            ) * self.temperature ** 2
            loss = self.alpha * student_loss + (1 - self.alpha) * distillation_loss
        variables = self.student.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        self.loss_tracker.update_state(loss)
        self.student_loss_tracker.update_state(student_loss)
        self.distillation_loss_tracker.update_state(distillation_loss)
        self.accuracy.update_state(y, student_logits)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        student_logits = self.student(x, training=False)
        self.student_loss_tracker.update_state(self.student_loss_fn(y, student_logits))
        self.accuracy.update_state(y, student_logits)
        return {m.name: m.result() for m in (self.student_loss_tracker, self.accuracy)}


def mlp(hidden, name):
    return keras.Sequential(
        [keras.Input(shape=(64,))] + [keras.layers.Dense(n, activation="relu") for n in hidden]
        + [keras.layers.Dense(10)], name=name)


def main(teacher_epochs=20, student_epochs=20, verbose=1):
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    x_train = x_train.reshape(-1, 64) / 16.0
    x_test = x_test.reshape(-1, 64) / 16.0
    keras.utils.set_random_seed(7)
    teacher = mlp([256, 128], "teacher")
    teacher.compile(optimizer="adam",
                    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                    metrics=[keras.metrics.SparseCategoricalAccuracy()])
    teacher.fit(x_train, y_train, epochs=teacher_epochs, batch_size=64, verbose=verbose)

    distiller = Distiller(student=mlp([16], "student"), teacher=teacher)
    distiller.compile(
        optimizer=keras.optimizers.Adam(0.005),
        student_loss_fn=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        distillation_loss_fn=keras.losses.KLDivergence(),
        alpha=0.3,
        temperature=4.0,
    )
    history = distiller.fit(x_train, y_train, epochs=student_epochs, batch_size=64, verbose=verbose)
    results = distiller.evaluate(x_test, y_test, verbose=verbose, return_dict=True)
    if verbose:
        print(f"distilled student: test accuracy {results['accuracy']:.4f}")
    return distiller, history, results


if __name__ == "__main__":
    main()
