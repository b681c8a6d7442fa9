"""``gradiente.callbacks``: hooks into ``fit``, ``evaluate`` and ``predict``, as in Keras."""
from gradiente.callbacks.callback import Callback
from gradiente.callbacks.callback_list import CallbackList
from gradiente.callbacks.csv_logger import CSVLogger
from gradiente.callbacks.early_stopping import EarlyStopping
from gradiente.callbacks.history import History
from gradiente.callbacks.lambda_callback import LambdaCallback
from gradiente.callbacks.learning_rate_scheduler import LearningRateScheduler
from gradiente.callbacks.model_checkpoint import ModelCheckpoint
from gradiente.callbacks.progbar import Progbar
from gradiente.callbacks.progbar_logger import ProgbarLogger
from gradiente.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from gradiente.callbacks.tensorboard import TensorBoard
from gradiente.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = [
    "Callback", "CallbackList", "CSVLogger", "EarlyStopping", "History", "LambdaCallback",
    "LearningRateScheduler", "ModelCheckpoint", "Progbar", "ProgbarLogger", "ReduceLROnPlateau",
    "TensorBoard", "TerminateOnNaN",
]
from gradiente.callbacks.gradient_monitor import GradientMonitor  # noqa: E402
from gradiente.callbacks.backup_and_restore import BackupAndRestore
