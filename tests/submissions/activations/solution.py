# A correct `activations` submission (float32 internals in Tanh: an alternative that must pass).
import numpy as np


class ReLU:
    def forward_pass(self, batch_values):
        self.inputs = batch_values
        return np.maximum(0, batch_values)

    def backward_pass(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0
        return self.dinputs


class Sigmoid:
    def forward_pass(self, batch_values):
        self.outputs = 1 / (1 + np.exp(-batch_values))
        return self.outputs

    def backward_pass(self, dvalues):
        self.dinputs = dvalues * self.outputs * (1 - self.outputs)
        return self.dinputs


class Tanh:
    def forward_pass(self, batch_values):
        self.outputs = np.tanh(batch_values.astype(np.float32)).astype(np.float64)
        return self.outputs

    def backward_pass(self, dvalues):
        self.dinputs = dvalues * (1 - self.outputs ** 2)
        return self.dinputs


class Softmax:
    def forward_pass(self, batch_values):
        e = np.exp(batch_values - np.max(batch_values, axis=0, keepdims=True))
        self.outputs = e / np.sum(e, axis=0, keepdims=True)
        return self.outputs

    def backward_pass(self, dvalues):
        self.dinputs = np.empty_like(dvalues)
        for i in range(dvalues.shape[1]):
            s = self.outputs[:, i:i + 1]
            jacobian = np.diagflat(s) - s @ s.T
            self.dinputs[:, i] = (jacobian @ dvalues[:, i:i + 1]).ravel()
        return self.dinputs


class MeanSquaredError:
    def forward_pass(self, predictions, targets):
        self.diff = predictions - targets
        return np.mean(self.diff ** 2)

    def backward_pass(self):
        return 2 * self.diff / self.diff.size


def _one_hot(targets, shape):
    if targets.ndim == 1:
        y = np.zeros(shape)
        y[targets, np.arange(shape[1])] = 1
        return y
    return targets


class CategoricalCrossEntropy:
    def forward_pass(self, predictions, targets):
        self.p = np.clip(predictions, 1e-7, 1 - 1e-7)
        self.y = _one_hot(targets, predictions.shape)
        return -np.sum(self.y * np.log(self.p)) / predictions.shape[1]

    def backward_pass(self):
        return -self.y / self.p / self.p.shape[1]


class SoftmaxCrossEntropy:
    def forward_pass(self, logits, targets):
        self.softmax = Softmax()
        self.s = self.softmax.forward_pass(logits)
        self.y = _one_hot(targets, logits.shape)
        shifted = logits - logits.max(axis=0)  # log-softmax by log-sum-exp: exact at any logits
        log_softmax = shifted - np.log(np.exp(shifted).sum(axis=0))
        return -np.sum(self.y * log_softmax) / logits.shape[1]

    def backward_pass(self):
        return (self.s - self.y) / self.s.shape[1]
