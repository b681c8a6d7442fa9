"""The ``Callback`` base class: every hook ``fit``, ``evaluate`` and ``predict`` call."""


class Callback:
    """Base class for objects that react to training events.

    ``fit`` calls ``set_model`` and ``set_params`` (``{"verbose", "epochs", "steps"}``) once,
    then the hooks below with a ``logs`` dict of Python floats. Override only the hooks you
    need: batch hooks nobody overrides are not called at all. Setting
    ``self.model.stop_training = True`` stops ``fit`` after the current batch.
    """

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        # getattr: subclasses that forget super().__init__() still work, as in Keras.
        return getattr(self, "_model", None)

    @model.setter
    def model(self, model):
        self._model = model

    # Batch-level aliases kept from Keras 1/2: the train batch hooks forward to them.
    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass
