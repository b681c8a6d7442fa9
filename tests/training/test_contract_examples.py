"""The examples of Keras's model contract (examples/) run and learn."""
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
sys.path.insert(0, str(EXAMPLES))


def test_distiller_with_its_own_train_step_and_trackers_learns_the_digits():
    import distillation

    distiller, history, results = distillation.main(teacher_epochs=15, student_epochs=15, verbose=0)
    h = history.history
    assert set(h) == {"loss", "student_loss", "distillation_loss", "accuracy"}
    assert h["loss"][-1] < 0.2 * h["loss"][0]
    # evaluate ran the test_step: its keys only, and a student that learned.
    assert set(results) == {"student_loss", "accuracy"}
    assert results["accuracy"] > 0.9


def test_ticket_router_trains_two_outputs_with_dict_losses_and_weights():
    import ticket_routing

    model, history, results = ticket_routing.main(epochs=10, verbose=0)
    assert set(results) == {"loss", "priority_loss", "department_loss",
                            "priority_accuracy", "department_accuracy"}
    assert results["loss"] == pytest.approx(
        results["priority_loss"] + 0.5 * results["department_loss"], rel=1e-4)
    assert results["department_accuracy"] > 0.75 and results["priority_accuracy"] > 0.8
    assert "val_department_accuracy" in history.history


def test_endpoint_layer_model_trains_on_its_own_loss_without_targets():
    import endpoint_layer

    model, history, accuracy = endpoint_layer.main(epochs=25, verbose=0)
    h = history.history
    # The layer's metric joins the logs; the loss is the one the layer added.
    assert set(h) == {"loss", "accuracy"}
    assert h["loss"][-1] < 0.3 * h["loss"][0]
    assert h["accuracy"][-1] > 0.9 and accuracy > 0.9
    assert [m.name for m in model.metrics] == ["loss", "accuracy"]
