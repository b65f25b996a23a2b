"""The five assignments, in the lecture's order; each module's ``cells(lecture)`` lists its notebook."""
from . import activations, bike_sharing, gradients, layers, minibatch

ASSIGNMENTS = {module.ID: module for module in (gradients, layers, activations, minibatch, bike_sharing)}
