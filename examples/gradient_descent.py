"""Linear regression by plain gradient descent, with gradients from GradientTape.

We fit y ≈ X·w + b by minimising the mean squared error

    L(w, b) = mean((X·w + b − y)²)

with the update θ ← θ − η ∇θ L written out by hand: no optimizer, no Model, only
Variables, a tape and arithmetic. The result matches the closed-form least-squares
solution (``numpy.linalg.lstsq``).

Run it: ``python examples/gradient_descent.py``
"""
import numpy as np

import gradiente as gr


def make_data(n=200, seed=0):
    """Noisy samples of a known line: X (n, 3), y (n,)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    true_w, true_b = np.array([2.0, -3.5, 0.5]), 1.25
    y = X @ true_w + true_b + 0.1 * rng.standard_normal(n)
    return X, y


def main(steps=300, learning_rate=0.1, verbose=True):
    """Train and return the fitted ``(w, b)`` as NumPy arrays of shapes (3,) and ()."""
    X, y = make_data()
    # float64 so the answer agrees with the closed form to many digits.
    w = gr.Variable(np.zeros(X.shape[1]), name="w", dtype="float64")
    b = gr.Variable(0.0, name="b", dtype="float64")

    for step in range(steps):
        with gr.GradientTape() as tape:  # Variables are watched automatically
            residual = X @ w + b - y
            loss = gr.ops.mean(residual * residual)
        dw, db = tape.gradient(loss, [w, b])
        w.assign_sub(learning_rate * dw.numpy())  # θ ← θ − η ∇θ L
        b.assign_sub(learning_rate * db.numpy())
        if verbose and step % 50 == 0:
            print(f"step {step:4d}   loss {float(loss):.6f}")

    if verbose:
        print(f"fitted w = {np.round(w.numpy(), 4)}, b = {float(b):.4f}")
    return w.numpy().copy(), b.numpy().copy()


if __name__ == "__main__":
    main()
