"""Cross-check against PyTorch (skipped when torch is not installed): forward values, gradients, optimizer steps.

PyTorch puts one sample per row, the lecture one per column: inputs are transposed on the way in,
and ``nn.Linear.weight`` has the lecture's shape ``(n_neurons, n_inputs)``. Everything runs in float64.
"""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nncourse.reference import (SGD, Adagrad, Adam, CategoricalCrossEntropy, MeanSquaredError, Network,  # noqa: E402
                       RMSprop, SoftmaxCrossEntropy)

TORCH_ACTIVATIONS = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh,
                     "identity": torch.nn.Identity}


def twin(network: Network, activation: str, output: str) -> torch.nn.Sequential:
    """A PyTorch copy of ``Network.mlp`` (same parameters)."""
    modules = []
    dense = network.trainable_layers
    for i, layer in enumerate(dense):
        linear = torch.nn.Linear(layer.n_inputs, layer.n_neurons, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(layer.weights))
            linear.bias.copy_(torch.from_numpy(layer.biases.ravel()))
        modules += [linear, TORCH_ACTIVATIONS[output if i == len(dense) - 1 else activation]()]
    return torch.nn.Sequential(*modules)


def data(rng, sizes, batch, loss_name):
    inputs = rng.standard_normal((sizes[0], batch))
    if loss_name == "mse":
        return inputs, rng.standard_normal((sizes[-1], batch))
    return inputs, rng.integers(0, sizes[-1], batch)


def torch_loss(loss_name, outputs, targets):
    if loss_name == "mse":
        return torch.nn.functional.mse_loss(outputs, torch.from_numpy(targets.T.copy()))
    return torch.nn.functional.cross_entropy(outputs, torch.from_numpy(targets))


REFERENCE_LOSSES = {"mse": MeanSquaredError, "softmax_ce": SoftmaxCrossEntropy}
CASES = [([3, 5, 2], "relu", "mse", 4), ([4, 8, 6, 3], "tanh", "softmax_ce", 7), ([2, 7, 1], "sigmoid", "mse", 1),
         ([5, 6, 6, 4], "relu", "softmax_ce", 16)]


@pytest.mark.parametrize("sizes,activation,loss_name,batch", CASES)
def test_forward_loss_and_gradients_match_pytorch(rng, sizes, activation, loss_name, batch):
    network = Network.mlp(sizes, activation, seed=int(rng.integers(100)))
    for layer in network.trainable_layers:
        layer.biases[...] = 0.1 * rng.standard_normal(layer.biases.shape)
    model = twin(network, activation, "identity")
    inputs, targets = data(rng, sizes, batch, loss_name)
    loss = REFERENCE_LOSSES[loss_name]()

    outputs = network.forward_pass(inputs)
    value = loss.forward_pass(outputs, targets)
    dinputs = network.backward_pass(loss.backward_pass())

    x = torch.from_numpy(inputs.T.copy()).requires_grad_(True)
    torch_outputs = model(x)
    torch_value = torch_loss(loss_name, torch_outputs, targets)
    torch_value.backward()

    np.testing.assert_allclose(outputs, torch_outputs.detach().numpy().T, rtol=1e-12, atol=1e-14)
    assert value == pytest.approx(torch_value.item(), rel=1e-12)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    for layer, linear in zip(network.trainable_layers, linears):
        np.testing.assert_allclose(layer.dweights, linear.weight.grad.numpy(), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(layer.dbiases.ravel(), linear.bias.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(dinputs, x.grad.numpy().T, rtol=1e-10, atol=1e-14)


def test_softmax_then_categorical_cross_entropy_matches_nll_of_log_softmax(rng):
    logits = rng.standard_normal((4, 6))
    classes = rng.integers(0, 4, 6)
    probabilities = torch.softmax(torch.from_numpy(logits.T.copy()), dim=1)
    expected = torch.nn.functional.nll_loss(torch.log(probabilities), torch.from_numpy(classes)).item()
    assert CategoricalCrossEntropy().forward_pass(probabilities.numpy().T, classes) == pytest.approx(expected,
                                                                                                      rel=1e-12)


OPTIMIZERS = [
    ("sgd", lambda: SGD(0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    ("momentum", lambda: SGD(0.05, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    ("adam", lambda: Adam(0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
    ("adam_betas", lambda: Adam(0.003, beta1=0.8, beta2=0.99, epsilon=1e-6),
     lambda p: torch.optim.Adam(p, lr=0.003, betas=(0.8, 0.99), eps=1e-6)),
    ("adagrad", lambda: Adagrad(0.1), lambda p: torch.optim.Adagrad(p, lr=0.1)),
    ("adagrad_decay", lambda: Adagrad(0.1, decay=0.1), lambda p: torch.optim.Adagrad(p, lr=0.1, lr_decay=0.1)),
    ("rmsprop", lambda: RMSprop(0.01), lambda p: torch.optim.RMSprop(p, lr=0.01)),
]


@pytest.mark.parametrize("name,make_reference,make_torch", OPTIMIZERS, ids=[o[0] for o in OPTIMIZERS])
def test_optimizer_steps_match_pytorch(rng, name, make_reference, make_torch):
    sizes, activation = [3, 6, 2], "tanh"
    network = Network.mlp(sizes, activation, seed=1)
    model = twin(network, activation, "identity")
    optimizer, torch_optimizer = make_reference(), make_torch(model.parameters())
    loss = MeanSquaredError()
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    for step in range(6):
        inputs, targets = data(rng, sizes, 5, "mse")
        loss.forward_pass(network.forward_pass(inputs), targets)
        network.backward_pass(loss.backward_pass())
        optimizer.step(network)

        torch_optimizer.zero_grad()
        torch_loss("mse", model(torch.from_numpy(inputs.T.copy())), targets).backward()
        torch_optimizer.step()
        for layer, linear in zip(network.trainable_layers, linears):
            np.testing.assert_allclose(layer.weights, linear.weight.detach().numpy(), rtol=1e-10, atol=1e-13,
                                       err_msg=f"{name}, step {step + 1}")
            np.testing.assert_allclose(layer.biases.ravel(), linear.bias.detach().numpy(), rtol=1e-10,
                                       atol=1e-13, err_msg=f"{name}, step {step + 1}")
