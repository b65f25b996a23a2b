# Wrong on purpose: adds up the batch losses.
import numpy as np


def mini_batches(inputs, targets, batch_size, seed):
    order = np.random.default_rng(seed).permutation(inputs.shape[1])
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        yield inputs[:, idx], targets[:, idx]


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
        self.learning_rate, self.momentum = learning_rate, momentum
        self.velocity = {}

    def step(self, layers):
        for layer in layers:
            for name in ("weights", "biases"):
                grad = getattr(layer, "d" + name)
                if self.momentum:
                    key = (id(layer), name)
                    v = self.momentum * self.velocity.get(key, 0) + grad
                    self.velocity[key] = v
                    setattr(layer, name, getattr(layer, name) - self.learning_rate * v)
                else:
                    setattr(layer, name, getattr(layer, name) - self.learning_rate * grad)


class Adam:
    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
        self.lr, self.b1, self.b2, self.eps = learning_rate, beta1, beta2, epsilon
        self.t, self.m, self.v = 0, {}, {}

    def step(self, layers):
        self.t += 1
        for layer in layers:
            for name in ("weights", "biases"):
                key, g = (id(layer), name), getattr(layer, "d" + name)
                self.m[key] = self.b1 * self.m.get(key, 0) + (1 - self.b1) * g
                self.v[key] = self.b2 * self.v.get(key, 0) + (1 - self.b2) * g ** 2
                m_hat = self.m[key] / (1 - self.b1 ** self.t)
                v_hat = self.v[key] / (1 - self.b2 ** self.t)
                setattr(layer, name, getattr(layer, name) - self.lr * m_hat / (np.sqrt(v_hat) + self.eps))


def fit(network, loss, optimizer, inputs, targets, epochs, batch_size, seed):
    losses = []
    layers = [l for l in network.layers if hasattr(l, "weights")]
    for epoch in range(epochs):
        total = 0.0
        for x, y in mini_batches(inputs, targets, batch_size, seed + epoch):
            total += loss.forward_pass(network.forward_pass(x), y)
            network.backward_pass(loss.backward_pass())
            optimizer.step(layers)
        losses.append(total)
    return losses
