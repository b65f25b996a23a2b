# Wrong on purpose: returns dw as a row (1, n) instead of shape (n,).
import numpy as np

example1 = {
    "yhat": 1.6, "loss": 0.01, "dL_dyhat": 0.2,
    "dweights": [0.2, -0.2, 0.4], "dbias": 0.2,
    "new_weights": [0.098, -0.198, 0.396], "new_bias": 0.498, "new_loss": 0.007396,
}
example2 = {
    "yhat": [2.5, -4.5, -3.5], "loss": 11 / 12, "dL_dyhat": [-1 / 3, -1 / 3, 1.0],
    "gradient": [-4 / 3, -2.0, -19 / 3, 1 / 3],
}
example3 = {
    "outputs": [-21.0, -2.0], "loss": 260.0,
    "dL_dw": [-96, -48, -354, 64, 32, 236, -154, -42, 484, 132, 66, 18],
    "dL_db": [-32, -16, -118, -22, -6],
}


def neuron_gradient(x, y, w, b):
    yhat = np.dot(w, x) + b
    d = 2 * (yhat - y)
    return d * x, float(d)


def batch_gradient(X, y, w, b):
    yhat = w @ X + b
    d = 2 * (yhat - y) / X.shape[1]
    return (X @ d).reshape(1, -1), float(np.sum(d))


def two_layer_gradients(X, Y, W1, b1, W2, b2):
    U = W1 @ X + b1
    Yhat = W2 @ U + b2
    dY = 2 * (Yhat - Y) / Y.size
    dW2 = dY @ U.T
    db2 = dY.sum(axis=1, keepdims=True)
    dU = W2.T @ dY
    return dU @ X.T, dU.sum(axis=1, keepdims=True), dW2, db2


def gradient_descent_step(w, b, dw, db, learning_rate=0.01):
    return np.asarray(w) - learning_rate * np.asarray(dw), b - learning_rate * db
