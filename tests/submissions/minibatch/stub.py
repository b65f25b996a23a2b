# The released stub: the classes from earlier assignments are pasted in, the new parts are not written.
import numpy as np


def mini_batches(inputs, targets, batch_size=64, seed=0):
    raise NotImplementedError()


class Dense:
    def __init__(self, n_inputs, n_neurons):
        self.weights = 0.1 * np.random.randn(n_neurons, n_inputs)
        self.biases = np.zeros((n_neurons, 1))

    def forward_pass(self, x):
        self.inputs = x
        return self.weights @ x + self.biases

    def backward_pass(self, dvalues):
        self.dweights = dvalues @ self.inputs.T
        self.dbiases = dvalues.sum(axis=1, keepdims=True)
        return self.weights.T @ dvalues


class ReLU:
    def forward_pass(self, x):
        self.inputs = x
        return np.maximum(0, x)

    def backward_pass(self, dvalues):
        return dvalues * (self.inputs > 0)


class Network:
    def __init__(self, layers):
        self.layers = layers

    def forward_pass(self, x):
        for layer in self.layers:
            x = layer.forward_pass(x)
        return x

    def backward_pass(self, dvalues):
        for layer in reversed(self.layers):
            dvalues = layer.backward_pass(dvalues)
        return dvalues


class MeanSquaredError:
    def forward_pass(self, predictions, targets):
        self.diff = predictions - targets
        return float(np.mean(self.diff ** 2))

    def backward_pass(self):
        return 2 * self.diff / self.diff.size


class SGD:
    def __init__(self, learning_rate=0.01, momentum=0.0):
        raise NotImplementedError()

    def step(self, layers):
        raise NotImplementedError()


class Adam:
    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
        raise NotImplementedError()

    def step(self, layers):
        raise NotImplementedError()


def fit(network, loss, optimizer, inputs, targets, epochs=10, batch_size=64, seed=0):
    raise NotImplementedError()
