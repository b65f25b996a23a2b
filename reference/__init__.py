"""The instructor's reference: a numpy neural network in the lecture's layout (one sample per column).

>>> from nncourse.reference import Dense, ReLU, Network, MeanSquaredError, Adam, fit
"""
from .activations import Identity, ReLU, Sigmoid, Softmax, Tanh
from .batching import MiniBatches
from .gradcheck import gradient_check, numerical_gradient, relative_error
from .layers import Dense
from .losses import CategoricalCrossEntropy, MeanSquaredError, SoftmaxCrossEntropy
from .network import Network
from .optimizers import SGD, Adagrad, Adam, Optimizer, RMSprop
from .persistence import load, save
from .training import History, fit

__all__ = [
    "Dense", "Identity", "ReLU", "Sigmoid", "Tanh", "Softmax",
    "MeanSquaredError", "CategoricalCrossEntropy", "SoftmaxCrossEntropy",
    "Network", "Optimizer", "SGD", "Adagrad", "RMSprop", "Adam",
    "MiniBatches", "fit", "History",
    "gradient_check", "numerical_gradient", "relative_error", "save", "load",
]
