"""The autograder's test corpus: where the submissions live and what each wrong one must be told.

Each assignment ships ``solution.py`` and ``stub.py``; a wrong submission is its solution with one
typical mistake, kept here as a few edits (``EDITS``) and written out by :func:`submission`.
"""
import atexit
import shutil
import tempfile
from pathlib import Path

from nncourse.autograder.registry import assignment_ids

SUBMISSIONS = Path(__file__).parent / "submissions"
ASSIGNMENTS = assignment_ids()

#: (assignment, file stem, the check that must lose points, the diagnosis it must get): the labelled corpus.
#: Most diagnoses name the mistake; a few (feedback.GENERIC) only say what differs.
WRONG = [
    ("gradients", "neuron_sign", "neuron_gradient", "sign"),
    ("gradients", "neuron_no_factor2", "neuron_gradient", "half"),
    ("gradients", "neuron_no_bias", "neuron_gradient", "bias_missing"),
    ("gradients", "batch_sum", "batch_gradient", "not_averaged"),
    ("gradients", "batch_row_vector", "batch_gradient", "shape"),
    ("gradients", "batch_rows", "batch_gradient", "rows_for_batch"),
    ("gradients", "batch_no_bias", "batch_gradient", "bias_missing"),
    ("gradients", "two_layer_transpose", "two_layer_gradients", "transposed"),
    ("gradients", "two_layer_bias_axis", "two_layer_gradients", "wrong_axis"),
    ("gradients", "two_layer_batch_only", "two_layer_gradients", "batch_only"),
    ("gradients", "two_layer_no_bias", "two_layer_gradients", "bias_missing"),
    ("gradients", "example1_slide_typo", "example1", "slide_typo"),
    ("gradients", "example3_row_major", "example3", "weights_numbered_row_by_row"),
    ("gradients", "step_uphill", "gradient_descent_step", "uphill"),
    ("gradients", "step_ignores_lr", "gradient_descent_step", "ignores_learning_rate"),
    ("gradients", "step_in_place", "gradient_descent_step", "in_place"),
    ("layers", "forward_transpose", "dense_forward", "transposed"),
    ("layers", "forward_no_bias", "dense_forward", "bias_missing"),
    ("layers", "forward_minus_bias", "dense_forward", "sign"),
    ("layers", "dweights_transpose", "dense_backward", "transposed"),
    ("layers", "dweights_mean", "dense_backward", "averaged"),
    ("layers", "dbiases_axis", "dense_backward", "wrong_axis"),
    ("layers", "dbiases_mean", "dense_backward", "averaged"),
    ("layers", "dbiases_no_keepdims", "dense_backward", "shape"),
    ("layers", "backward_no_return", "dense_backward", "returned_none"),
    ("layers", "dinputs_sign", "dense_backward", "sign"),
    ("layers", "stale_inputs", "dense_backward", "stale_inputs"),
    ("layers", "init_zeros", "dense_init", "equal_weights"),
    ("layers", "init_transposed", "dense_init", "transposed"),
    ("layers", "network_backward_in_order", "network_backward", "not_reversed"),
    ("layers", "network_same_dvalues", "network_backward", "not_chained"),
    ("layers", "network_forward_reversed", "network_forward", "reversed"),
    ("activations", "relu_mask_dvalues", "relu", "mask_from_dvalues"),
    ("activations", "relu_times_outputs", "relu", "times_outputs"),
    ("activations", "relu_in_place", "relu", "in_place"),
    ("activations", "relu_min", "relu", "min_for_max"),
    ("activations", "relu_stale", "relu", "stale_inputs"),
    ("activations", "sigmoid_from_inputs", "sigmoid", "from_inputs"),
    ("activations", "sigmoid_minus_x", "sigmoid", "sigmoid_of_minus_x"),
    ("activations", "sigmoid_no_chain", "sigmoid", "no_chain"),
    ("activations", "tanh_one_minus_g", "tanh", "one_minus_g"),
    ("activations", "tanh_twice", "tanh", "applied_twice"),
    ("activations", "softmax_rows", "softmax", "wrong_axis"),
    ("activations", "softmax_overflow", "softmax", "overflow"),
    ("activations", "softmax_diagonal", "softmax", "jacobian_diagonal"),
    ("activations", "mse_sum", "mse", "not_averaged"),
    ("activations", "mse_batch_only", "mse", "batch_only"),
    ("activations", "mse_sign", "mse", "sign"),
    ("activations", "cce_no_clip", "cce", "no_clip"),
    ("activations", "cce_sum", "cce", "not_averaged"),
    ("activations", "cce_mean_over_classes", "cce", "mean_over_classes"),
    ("activations", "cce_missing_class", "cce", "missing_class"),
    ("activations", "softmax_cce_no_batch", "softmax_cce", "not_averaged"),
    ("activations", "softmax_cce_sign", "softmax_cce", "sign"),
    ("activations", "softmax_cce_clipped", "softmax_cce", "clipped"),
    ("minibatch", "mb_no_shuffle", "mini_batches", "not_shuffled"),
    ("minibatch", "mb_misaligned", "mini_batches", "misaligned"),
    ("minibatch", "mb_drop_last", "mini_batches", "drops_last"),
    ("minibatch", "mb_with_replacement", "mini_batches", "with_replacement"),
    ("minibatch", "mb_ignores_seed", "mini_batches", "ignores_seed"),
    ("minibatch", "mb_seed_unused", "mini_batches", "seed_unused"),
    ("minibatch", "sgd_uphill", "sgd", "uphill"),
    ("minibatch", "sgd_fixed_lr", "sgd", "ignores_learning_rate"),
    ("minibatch", "momentum_no_memory", "momentum", "no_memory"),
    ("minibatch", "momentum_ema", "momentum", "momentum_ema"),
    ("minibatch", "momentum_shared", "momentum", "shared_state"),
    ("minibatch", "momentum_fixed_mu", "momentum", "ignores_momentum"),
    ("minibatch", "adam_no_bias_correction", "adam", "no_bias_correction"),
    ("minibatch", "adam_no_sqrt", "adam", "no_sqrt"),
    ("minibatch", "adam_default_betas", "adam", "ignores_settings"),
    ("minibatch", "adam_t_per_layer", "adam", "t_per_layer"),
    ("minibatch", "adam_t_from_0", "adam", "t_from_0"),
    ("minibatch", "adam_shared", "adam", "shared_state"),
    ("minibatch", "fit_sums_batches", "fit", "summed"),
    ("minibatch", "fit_no_step", "fit", "steps"),
    ("minibatch", "fit_loss_per_batch", "fit", "losses_per_epoch"),
    ("minibatch", "fit_no_reshuffle", "fit", "no_reshuffle"),
    ("minibatch", "fit_ignores_seed", "fit", "ignores_seed"),
    ("minibatch", "fit_unweighted", "fit", "unweighted"),
    ("minibatch", "fit_own_batches", "fit", "no_mini_batches"),
    ("bike_sharing", "prep_keeps_atemp", "prepare_features", "keeps_dropped"),
    ("bike_sharing", "prep_get_dummies", "prepare_features", "missing_columns"),
    ("bike_sharing", "prep_keeps_sources", "prepare_features", "keeps_sources"),
    ("bike_sharing", "prep_in_place", "prepare_features", "in_place"),
    ("bike_sharing", "split_by_count", "split_by_date", "split_by_count"),
    ("bike_sharing", "split_two_weeks", "split_by_date", "wrong_days"),
    ("bike_sharing", "std_all_rows", "standardise", "leak_all_rows"),
    ("bike_sharing", "std_train_validation", "standardise", "leak_validation"),
    ("bike_sharing", "std_own_stats", "standardise", "own_statistics"),
    ("bike_sharing", "std_in_place", "standardise", "in_place"),
    ("bike_sharing", "arrays_leak", "to_arrays", "target_leak"),
    ("bike_sharing", "arrays_rows", "to_arrays", "transposed"),
    ("bike_sharing", "untrained", "test_predictions", "underfit"),
    ("bike_sharing", "no_network", "test_predictions", "missing"),
]


#: How each wrong submission differs from its assignment's solution.py: the header comment (why it
#: is wrong) and (old, new) replacements, each `old` found exactly once. See `submission()`.
#: The bike-sharing submissions that are wrong before the network: skip the training (a minute each).
NO_TRAINING = ('train, validation, test, scaling = standardise(*split_by_date(prepare_features(load_hourly())))\n'
               'train_inputs, train_targets = to_arrays(train)\nnp.random.seed(0)\n'
               'network = Network([Dense(56, 32), ReLU(), Dense(32, 1)])\n'
               'losses = fit(network, MeanSquaredError(), Adam(learning_rate=0.005), train_inputs, train_targets, '
               '20, 128, 0)\nprint("training loss", losses[-1])\n', 'network = None  # not trained in this version\n')

EDITS = {
    ('gradients', 'neuron_sign'): ('Wrong on purpose: the residual is y - yhat (a sign error).', [
        ('    d = 2 * (yhat - y)\n',
         '    d = 2 * (y - yhat)\n'),
    ]),
    ('gradients', 'neuron_no_factor2'): ('Wrong on purpose: forgets the 2 of the derivative of the square.', [
        ('    d = 2 * (yhat - y)\n',
         '    d = (yhat - y)\n'),
    ]),
    ('gradients', 'batch_sum'): ('Wrong on purpose: sums the squared errors instead of averaging them.', [
        ('    d = 2 * (yhat - y) / X.shape[1]\n',
         '    d = 2 * (yhat - y)\n'),
    ]),
    ('gradients', 'batch_row_vector'): ('Wrong on purpose: returns dw as a row (1, n) instead of shape (n,).', [
        ('    return X @ d, float(np.sum(d))\n',
         '    return (X @ d).reshape(1, -1), float(np.sum(d))\n'),
    ]),
    ('gradients', 'two_layer_transpose'): ('Wrong on purpose: dW2 = U · dYᵀ (a transposed rule).', [
        ('    dW2 = dY @ U.T\n',
         '    dW2 = U @ dY.T\n'),
    ]),
    ('gradients', 'two_layer_bias_axis'): ('Wrong on purpose: db1 summed over the wrong axis.', [
        ('    return dU @ X.T, dU.sum(axis=1, keepdims=True), dW2, db2\n',
         '    return dU @ X.T, dU.sum(axis=0, keepdims=True), dW2, db2\n'),
    ]),
    ('gradients', 'two_layer_batch_only'): ('Wrong on purpose: divides by the batch size only.', [
        ('    dY = 2 * (Yhat - Y) / Y.size\n',
         '    dY = 2 * (Yhat - Y) / Y.shape[1]\n'),
    ]),
    ('gradients', 'example1_slide_typo'): ("Wrong on purpose: copies the slide's typo -0.098.", [
        ('    "new_weights": [0.098, -0.198, 0.396], "new_bias": 0.498, "new_loss": 0.007396,\n',
         '    "new_weights": [-0.098, -0.198, 0.396], "new_bias": 0.498, "new_loss": 0.007396,\n'),
    ]),
    ('gradients', 'example3_row_major'): ('Wrong on purpose: numbers the d-weights row by row.', [
        ('    "dL_dw": [-96, -48, -354, 64, 32, 236, -154, -42, 484, 132, 66, 18],\n',
         '    "dL_dw": [-96, 64, -48, 32, -354, 236, -154, 484, 66, -42, 132, 18],\n'),
    ]),
    ('gradients', 'step_uphill'): ('Wrong on purpose: adds the gradient.', [
        ('    return np.asarray(w) - learning_rate * np.asarray(dw), b - learning_rate * db\n',
         '    return np.asarray(w) + learning_rate * np.asarray(dw), b + learning_rate * db\n'),
    ]),
    ('gradients', 'step_ignores_lr'): ('Wrong on purpose: always uses 0.01.', [
        ('    return np.asarray(w) - learning_rate * np.asarray(dw), b - learning_rate * db\n',
         '    return np.asarray(w) - 0.01 * np.asarray(dw), b - 0.01 * db\n'),
    ]),
    ('layers', 'forward_transpose'): ('Wrong on purpose: one sample per row in the forward pass.', [
        ('        return self.weights @ batch_inputs + self.biases\n',
         '        return batch_inputs.T @ self.weights.T + self.biases.T\n'),
    ]),
    ('layers', 'forward_no_bias'): ('Wrong on purpose: forgets the biases.', [
        ('        return self.weights @ batch_inputs + self.biases\n',
         '        return self.weights @ batch_inputs\n'),
    ]),
    ('layers', 'dweights_transpose'): ('Wrong on purpose: d-weights = inputs · d-valuesᵀ.', [
        ('        self.dweights = dvalues @ self.inputs.T\n',
         '        self.dweights = self.inputs @ dvalues.T\n'),
    ]),
    ('layers', 'dbiases_axis'): ('Wrong on purpose: d-biases summed over the neurons.', [
        ('        self.dbiases = np.sum(dvalues, axis=1, keepdims=True)\n',
         '        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)\n'),
    ]),
    ('layers', 'dbiases_mean'): ('Wrong on purpose: d-biases averaged.', [
        ('        self.dbiases = np.sum(dvalues, axis=1, keepdims=True)\n',
         '        self.dbiases = np.mean(dvalues, axis=1, keepdims=True)\n'),
    ]),
    ('layers', 'dbiases_no_keepdims'): ('Wrong on purpose: d-biases without keepdims.', [
        ('        self.dbiases = np.sum(dvalues, axis=1, keepdims=True)\n',
         '        self.dbiases = np.sum(dvalues, axis=1)\n'),
    ]),
    ('layers', 'backward_no_return'): ('Wrong on purpose: backward_pass returns nothing.', [
        ('        return self.dinputs\n',
         ''),
    ]),
    ('layers', 'dinputs_sign'): ('Wrong on purpose: a minus sign in d-inputs.', [
        ('        self.dinputs = self.weights.T @ dvalues\n',
         '        self.dinputs = -(self.weights.T @ dvalues)\n'),
    ]),
    ('layers', 'init_zeros'): ('Wrong on purpose: weights start at zero.', [
        ('        self.weights = 0.1 * np.random.randn(n_neurons, n_inputs)\n',
         '        self.weights = np.zeros((n_neurons, n_inputs))\n'),
    ]),
    ('layers', 'init_transposed'): ('Wrong on purpose: weights of shape (n_inputs, n_neurons).', [
        ('        self.weights = 0.1 * np.random.randn(n_neurons, n_inputs)\n',
         '        self.weights = 0.1 * np.random.randn(n_inputs, n_neurons)\n'),
    ]),
    ('layers', 'network_backward_in_order'): ('Wrong on purpose: backward pass runs the layers in forward order.', [
        ('        for layer in reversed(self.layers):\n',
         '        for layer in self.layers:\n'),
    ]),
    ('activations', 'relu_mask_dvalues'): ("Wrong on purpose: ReLU's mask from the d-values.", [
        ('        self.dinputs[self.inputs <= 0] = 0\n',
         '        self.dinputs[dvalues <= 0] = 0\n'),
    ]),
    ('activations', 'relu_times_outputs'): ('Wrong on purpose: multiplies by the outputs.', [
        ('        return np.maximum(0, batch_values)\n',
         '        self.outputs = np.maximum(0, batch_values)\n        return self.outputs\n'),
        ('        self.dinputs = dvalues.copy()\n        self.dinputs[self.inputs <= 0] = 0\n',
         '        self.dinputs = dvalues * self.outputs\n'),
    ]),
    ('activations', 'relu_in_place'): ('Wrong on purpose: ReLU overwrites its inputs.', [
        ('    def forward_pass(self, batch_values):\n        self.inputs = batch_values\n',
         '    def forward_pass(self, batch_values):\n        batch_values[batch_values < 0] = 0\n        self.inputs = batch_values\n'),
        ('        return np.maximum(0, batch_values)\n',
         '        return batch_values\n'),
    ]),
    ('activations', 'sigmoid_from_inputs'): ("Wrong on purpose: sigma' computed from the inputs.", [
        ('    def forward_pass(self, batch_values):\n        self.outputs = 1 / (1 + np.exp(-batch_values))\n',
         '    def forward_pass(self, batch_values):\n        self.inputs = batch_values\n        self.outputs = 1 / (1 + np.exp(-batch_values))\n'),
        ('        self.dinputs = dvalues * self.outputs * (1 - self.outputs)\n',
         '        self.dinputs = dvalues * self.inputs * (1 - self.inputs)\n'),
    ]),
    ('activations', 'tanh_one_minus_g'): ("Wrong on purpose: tanh' = 1 - g.", [
        ('        self.dinputs = dvalues * (1 - self.outputs ** 2)\n',
         '        self.dinputs = dvalues * (1 - self.outputs)\n'),
    ]),
    ('activations', 'softmax_rows'): ('Wrong on purpose: softmax over the rows.', [
        ('        e = np.exp(batch_values - np.max(batch_values, axis=0, keepdims=True))\n        self.outputs = e / np.sum(e, axis=0, keepdims=True)\n',
         '        e = np.exp(batch_values - np.max(batch_values, axis=1, keepdims=True))\n        self.outputs = e / np.sum(e, axis=1, keepdims=True)\n'),
    ]),
    ('activations', 'softmax_overflow'): ('Wrong on purpose: no max subtracted before exp.', [
        ('        e = np.exp(batch_values - np.max(batch_values, axis=0, keepdims=True))\n',
         '        e = np.exp(batch_values)\n'),
    ]),
    ('activations', 'softmax_diagonal'): ('Wrong on purpose: only the diagonal of the Jacobian.', [
        ('            jacobian = np.diagflat(s) - s @ s.T\n',
         '            jacobian = np.diagflat(s * (1 - s))\n'),
    ]),
    ('activations', 'mse_sum'): ('Wrong on purpose: sums instead of averaging.', [
        ('        return np.mean(self.diff ** 2)\n',
         '        return np.sum(self.diff ** 2)\n'),
    ]),
    ('activations', 'mse_batch_only'): ('Wrong on purpose: d-values divided by the batch size only.', [
        ('        return 2 * self.diff / self.diff.size\n',
         '        return 2 * self.diff / self.diff.shape[1]\n'),
    ]),
    ('activations', 'cce_no_clip'): ('Wrong on purpose: no clipping.', [
        ('        self.p = np.clip(predictions, 1e-7, 1 - 1e-7)\n',
         '        self.p = predictions\n'),
    ]),
    ('activations', 'cce_sum'): ('Wrong on purpose: sums over the batch.', [
        ('        return -np.sum(self.y * np.log(self.p)) / predictions.shape[1]\n',
         '        return -np.sum(self.y * np.log(self.p))\n'),
        ('        return -self.y / self.p / self.p.shape[1]\n',
         '        return -self.y / self.p\n'),
    ]),
    ('activations', 'softmax_cce_no_batch'): ('Wrong on purpose: forgets to divide by the batch.', [
        ('        return (self.s - self.y) / self.s.shape[1]\n',
         '        return self.s - self.y\n'),
    ]),
    ('activations', 'softmax_cce_sign'): ('Wrong on purpose: y - softmax.', [
        ('        return (self.s - self.y) / self.s.shape[1]\n',
         '        return (self.y - self.s) / self.s.shape[1]\n'),
    ]),
    ('minibatch', 'mb_no_shuffle'): ('Wrong on purpose: no shuffling.', [
        ('    order = np.random.default_rng(seed).permutation(inputs.shape[1])\n',
         '    order = np.arange(inputs.shape[1])\n'),
    ]),
    ('minibatch', 'mb_misaligned'): ('Wrong on purpose: inputs and targets shuffled separately.', [
        ('        yield inputs[:, idx], targets[:, idx]\n',
         '        other = np.random.default_rng(seed + 1).permutation(inputs.shape[1])[start:start + batch_size]\n        yield inputs[:, idx], targets[:, other]\n'),
    ]),
    ('minibatch', 'mb_drop_last'): ('Wrong on purpose: drops the last, smaller batch.', [
        ('    for start in range(0, len(order), batch_size):\n',
         '    for start in range(0, len(order) - batch_size + 1, batch_size):\n'),
    ]),
    ('minibatch', 'mb_with_replacement'): ('Wrong on purpose: samples with replacement.', [
        ('    order = np.random.default_rng(seed).permutation(inputs.shape[1])\n',
         '    order = np.random.default_rng(seed).integers(0, inputs.shape[1], inputs.shape[1])\n'),
    ]),
    ('minibatch', 'sgd_uphill'): ('Wrong on purpose: adds the gradient.', [
        ('                    setattr(layer, name, getattr(layer, name) - self.learning_rate * grad)\n',
         '                    setattr(layer, name, getattr(layer, name) + self.learning_rate * grad)\n'),
    ]),
    ('minibatch', 'sgd_fixed_lr'): ('Wrong on purpose: ignores the learning rate given.', [
        ('                    setattr(layer, name, getattr(layer, name) - self.learning_rate * grad)\n',
         '                    setattr(layer, name, getattr(layer, name) - 0.01 * grad)\n'),
    ]),
    ('minibatch', 'momentum_no_memory'): ('Wrong on purpose: the velocity is not stored.', [
        ('                    self.velocity[key] = v\n',
         ''),
    ]),
    ('minibatch', 'momentum_ema'): ('Wrong on purpose: velocity as an exponential average.', [
        ('                    v = self.momentum * self.velocity.get(key, 0) + grad\n',
         '                    v = self.momentum * self.velocity.get(key, 0) + (1 - self.momentum) * grad\n'),
    ]),
    ('minibatch', 'adam_no_bias_correction'): ('Wrong on purpose: no bias correction.', [
        ('                m_hat = self.m[key] / (1 - self.b1 ** self.t)\n                v_hat = self.v[key] / (1 - self.b2 ** self.t)\n',
         '                m_hat = self.m[key]\n                v_hat = self.v[key]\n'),
    ]),
    ('minibatch', 'adam_no_sqrt'): ('Wrong on purpose: forgets the square root.', [
        ('                setattr(layer, name, getattr(layer, name) - self.lr * m_hat / (np.sqrt(v_hat) + self.eps))\n',
         '                setattr(layer, name, getattr(layer, name) - self.lr * m_hat / (v_hat + self.eps))\n'),
    ]),
    ('minibatch', 'fit_sums_batches'): ('Wrong on purpose: adds up the batch losses.', [
        ('            total += loss.forward_pass(network.forward_pass(x), y) * x.shape[1]\n',
         '            total += loss.forward_pass(network.forward_pass(x), y)\n'),
        ('        losses.append(total / inputs.shape[1])\n',
         '        losses.append(total)\n'),
    ]),
    ('minibatch', 'fit_no_step'): ('Wrong on purpose: never calls the optimizer.', [
        ('            optimizer.step(layers)\n',
         ''),
    ]),
    ('minibatch', 'fit_loss_per_batch'): ('Wrong on purpose: one loss per batch, not per epoch.', [
        ('            total += loss.forward_pass(network.forward_pass(x), y) * x.shape[1]\n',
         '            losses.append(loss.forward_pass(network.forward_pass(x), y))\n'),
        ('        losses.append(total / inputs.shape[1])\n',
         ''),
    ]),
    ('bike_sharing', 'prep_keeps_atemp'): ('Wrong on purpose: keeps atemp.', [
        ('    data = hourly.drop(columns=["instant", "atemp", "workingday"])\n',
         '    data = hourly.drop(columns=["instant", "workingday"])\n'),
        NO_TRAINING,
    ]),
    ('bike_sharing', 'prep_get_dummies'): ('Wrong on purpose: pd.get_dummies: only the values present become columns.', [
        ('    for field, values in ONE_HOT.items():\n        for value in values:\n            data[f"{field}_{value}"] = (data[field] == value).astype(int)\n    return data.drop(columns=list(ONE_HOT))\n',
         '    return pd.get_dummies(data, columns=list(ONE_HOT), dtype=int)\n'),
        NO_TRAINING,
    ]),
    ('bike_sharing', 'prep_keeps_sources'): ('Wrong on purpose: keeps the one-hot source columns.', [
        ('    return data.drop(columns=list(ONE_HOT))\n',
         '    return data\n'),
        NO_TRAINING,
    ]),
    ('bike_sharing', 'split_by_count'): ('Wrong on purpose: splits by row counts.', [
        ('def split_by_date(data, test_days=21, validation_days=60):\n    days = pd.to_datetime(data["dteday"]).dt.normalize()\n',
         'def split_by_date(data, test_days=21, validation_days=60):\n    return data.iloc[:-(test_days + validation_days) * 24], data.iloc[-(test_days + validation_days) * 24:-test_days * 24], data.iloc[-test_days * 24:]\n    days = pd.to_datetime(data["dteday"]).dt.normalize()\n'),
        NO_TRAINING,
    ]),
    ('bike_sharing', 'split_two_weeks'): ('Wrong on purpose: holds out 14 days.', [
        ('def split_by_date(data, test_days=21, validation_days=60):\n',
         'def split_by_date(data, test_days=14, validation_days=60):\n'),
        NO_TRAINING,
    ]),
    ('bike_sharing', 'std_all_rows'): ('Wrong on purpose: scales with statistics of all rows (a leak).', [
        ('    scaling = {c: (train[c].mean(), train[c].std()) for c in columns}\n',
         '    everything = pd.concat([train, validation, test])\n    scaling = {c: (everything[c].mean(), everything[c].std()) for c in columns}\n'),
        NO_TRAINING,
    ]),
    ('bike_sharing', 'std_own_stats'): ('Wrong on purpose: scales every part with its own statistics.', [
        ('        for c, (mean, std) in scaling.items():\n',
         '        for c in columns:\n            mean, std = part[c].mean(), part[c].std()\n'),
        NO_TRAINING,
    ]),
    ('bike_sharing', 'untrained'): ('Wrong on purpose: never trains the network.', [
        ('losses = fit(network, MeanSquaredError(), Adam(learning_rate=0.005), train_inputs, train_targets, 20, 128, 0)\nprint("training loss", losses[-1])\n',
         'network.layers[0].weights *= 10\n'),
    ]),
    ('bike_sharing', 'no_network'): ('Wrong on purpose: the network is never kept under the name `network`.', [
        ('network = Network([Dense(56, 32), ReLU(), Dense(32, 1)])\nlosses = fit(network, MeanSquaredError(), Adam(learning_rate=0.005), train_inputs, train_targets, 20, 128, 0)\n',
         'model = network = None\nmodel = Network([Dense(56, 32), ReLU(), Dense(32, 1)])\ndel network\nlosses = fit(model, MeanSquaredError(), Adam(learning_rate=0.005), train_inputs, train_targets, 20, 128, 0)\n'),
    ]),

    ('gradients', 'neuron_no_bias'): ('Wrong on purpose: the bias is left out of yhat.', [
        ('    yhat = np.dot(w, x) + b\n', '    yhat = np.dot(w, x)\n')]),
    ('gradients', 'batch_rows'): ('Wrong on purpose: divides by the number of rows of X.', [
        ('    d = 2 * (yhat - y) / X.shape[1]\n', '    d = 2 * (yhat - y) / X.shape[0]\n')]),
    ('gradients', 'batch_no_bias'): ('Wrong on purpose: the bias is left out of yhat.', [
        ('    yhat = w @ X + b\n', '    yhat = w @ X\n')]),
    ('gradients', 'two_layer_no_bias'): ('Wrong on purpose: the biases are left out of the forward pass.', [
        ('    U = W1 @ X + b1\n    Yhat = W2 @ U + b2\n', '    U = W1 @ X\n    Yhat = W2 @ U\n')]),
    ('gradients', 'step_in_place'): ('Wrong on purpose: changes w in place.', [
        ('    return np.asarray(w) - learning_rate * np.asarray(dw), b - learning_rate * db\n',
         '    w -= learning_rate * np.asarray(dw)\n    return w, b - learning_rate * db\n')]),
    ('layers', 'forward_minus_bias'): ('Wrong on purpose: subtracts the biases.', [
        ('        return self.weights @ batch_inputs + self.biases\n',
         '        return self.weights @ batch_inputs - self.biases\n')]),
    ('layers', 'dweights_mean'): ('Wrong on purpose: d-weights divided by the batch size.', [
        ('        self.dweights = dvalues @ self.inputs.T\n',
         '        self.dweights = dvalues @ self.inputs.T / dvalues.shape[1]\n')]),
    ('layers', 'stale_inputs'): ("Wrong on purpose: keeps the first forward pass's inputs.", [
        ('        self.inputs = batch_inputs\n',
         '        if not hasattr(self, "inputs"):\n            self.inputs = batch_inputs\n')]),
    ('layers', 'network_same_dvalues'): ('Wrong on purpose: every layer gets the network\'s d-values.', [
        ('            dvalues = layer.backward_pass(dvalues)\n', '            layer.backward_pass(dvalues)\n')]),
    ('layers', 'network_forward_reversed'): ('Wrong on purpose: the forward pass runs the layers backwards.', [
        ('        for layer in self.layers:\n            batch_data = layer.forward_pass(batch_data)\n',
         '        for layer in reversed(self.layers):\n            batch_data = layer.forward_pass(batch_data)\n')]),
    ('activations', 'relu_min'): ('Wrong on purpose: min instead of max.', [
        ('        return np.maximum(0, batch_values)\n', '        return np.minimum(0, batch_values)\n')]),
    ('activations', 'relu_stale'): ("Wrong on purpose: ReLU keeps the first forward pass's inputs.", [
        ('    def forward_pass(self, batch_values):\n        self.inputs = batch_values\n        return np.maximum',
         '    def forward_pass(self, batch_values):\n        if not hasattr(self, "inputs"):\n'
         '            self.inputs = batch_values\n        return np.maximum')]),
    ('activations', 'sigmoid_minus_x'): ('Wrong on purpose: sigma(-x).', [
        ('        self.outputs = 1 / (1 + np.exp(-batch_values))\n', '        self.outputs = 1 / (1 + np.exp(batch_values))\n')]),
    ('activations', 'sigmoid_no_chain'): ('Wrong on purpose: the d-values are not multiplied in.', [
        ('        self.dinputs = dvalues * self.outputs * (1 - self.outputs)\n',
         '        self.dinputs = self.outputs * (1 - self.outputs)\n')]),
    ('activations', 'tanh_twice'): ('Wrong on purpose: tanh applied twice.', [
        ('        self.outputs = np.tanh(batch_values.astype(np.float32)).astype(np.float64)\n',
         '        self.outputs = np.tanh(np.tanh(batch_values))\n')]),
    ('activations', 'mse_sign'): ('Wrong on purpose: a sign error in the d-values.', [
        ('        return 2 * self.diff / self.diff.size\n', '        return -2 * self.diff / self.diff.size\n')]),
    ('activations', 'cce_mean_over_classes'): ('Wrong on purpose: a mean over the classes too.', [
        ('        return -np.sum(self.y * np.log(self.p)) / predictions.shape[1]\n',
         '        return -np.mean(self.y * np.log(self.p))\n'),
        ('        return -self.y / self.p / self.p.shape[1]\n', '        return -self.y / self.p / self.p.size\n')]),
    ('activations', 'cce_missing_class'): ('Wrong on purpose: the number of classes from the largest target.', [
        ('        y = np.zeros(shape)\n', '        y = np.zeros((targets.max() + 1, shape[1]))\n')]),
    ('activations', 'softmax_cce_clipped'): ('Wrong on purpose: clipped probabilities in the combined loss.', [
        ('        shifted = logits - logits.max(axis=0)  # log-softmax by log-sum-exp: exact at any logits\n'
         '        log_softmax = shifted - np.log(np.exp(shifted).sum(axis=0))\n'
         '        return -np.sum(self.y * log_softmax) / logits.shape[1]\n',
         '        return -np.sum(self.y * np.log(np.clip(self.s, 1e-7, 1 - 1e-7))) / logits.shape[1]\n')]),
    ('minibatch', 'mb_ignores_seed'): ('Wrong on purpose: numpy\'s global generator, not the seed.', [
        ('    order = np.random.default_rng(seed).permutation(inputs.shape[1])\n',
         '    order = np.random.permutation(inputs.shape[1])\n')]),
    ('minibatch', 'mb_seed_unused'): ('Wrong on purpose: always seed 0.', [
        ('    order = np.random.default_rng(seed).permutation(inputs.shape[1])\n',
         '    order = np.random.default_rng(0).permutation(inputs.shape[1])\n')]),
    ('minibatch', 'momentum_shared'): ('Wrong on purpose: one velocity for every layer.', [
        ('                    key = (id(layer), name)\n', '                    key = name\n')]),
    ('minibatch', 'momentum_fixed_mu'): ('Wrong on purpose: momentum 0.9 whatever is given.', [
        ('                    v = self.momentum * self.velocity.get(key, 0) + grad\n',
         '                    v = 0.9 * self.velocity.get(key, 0) + grad\n')]),
    ('minibatch', 'adam_default_betas'): ("Wrong on purpose: Adam's betas and epsilon are always the defaults.", [
        ('        self.lr, self.b1, self.b2, self.eps = learning_rate, beta1, beta2, epsilon\n',
         '        self.lr, self.b1, self.b2, self.eps = learning_rate, 0.9, 0.999, 1e-8\n')]),
    ('minibatch', 'adam_t_per_layer'): ("Wrong on purpose: Adam's t counts layers, not steps.", [
        ('        self.t += 1\n        for layer in layers:\n', '        for layer in layers:\n            self.t += 1\n')]),
    ('minibatch', 'adam_t_from_0'): ("Wrong on purpose: Adam's t starts at 0.", [
        ('        self.t += 1\n        for layer in layers:\n', '        for layer in layers:\n'),
        ('                setattr(layer, name, getattr(layer, name) - self.lr * m_hat / (np.sqrt(v_hat) + self.eps))\n',
         '                setattr(layer, name, getattr(layer, name) - self.lr * m_hat / (np.sqrt(v_hat) + self.eps))\n'
         '        self.t += 1\n')]),
    ('minibatch', 'adam_shared'): ('Wrong on purpose: one m and v for every layer.', [
        ('                key, g = (id(layer), name), getattr(layer, "d" + name)\n',
         '                key, g = name, getattr(layer, "d" + name)\n')]),
    ('minibatch', 'fit_no_reshuffle'): ('Wrong on purpose: the same shuffle every epoch.', [
        ('        for x, y in mini_batches(inputs, targets, batch_size, seed + epoch):\n',
         '        for x, y in mini_batches(inputs, targets, batch_size, seed):\n')]),
    ('minibatch', 'fit_ignores_seed'): ('Wrong on purpose: the seed argument is not used.', [
        ('        for x, y in mini_batches(inputs, targets, batch_size, seed + epoch):\n',
         '        for x, y in mini_batches(inputs, targets, batch_size, epoch):\n')]),
    ('minibatch', 'fit_unweighted'): ('Wrong on purpose: the plain mean of the batch losses.', [
        ('            total += loss.forward_pass(network.forward_pass(x), y) * x.shape[1]\n',
         '            total += loss.forward_pass(network.forward_pass(x), y)\n'),
        ('        losses.append(total / inputs.shape[1])\n',
         '        losses.append(total / -(-inputs.shape[1] // batch_size))\n')]),
    ('minibatch', 'fit_own_batches'): ('Wrong on purpose: its own unshuffled batches, not mini_batches.', [
        ('        for x, y in mini_batches(inputs, targets, batch_size, seed + epoch):\n',
         '        for x, y in ((inputs[:, i:i + batch_size], targets[:, i:i + batch_size])\n'
         '                     for i in range(0, inputs.shape[1], batch_size)):\n')]),
    ('bike_sharing', 'prep_in_place'): ('Wrong on purpose: drops columns of the table it was given.', [
        ('    data = hourly.drop(columns=["instant", "atemp", "workingday"])\n',
         '    hourly.drop(columns=["instant", "atemp", "workingday"], inplace=True)\n    data = hourly\n'),
        NO_TRAINING]),
    ('bike_sharing', 'std_train_validation'): ('Wrong on purpose: statistics of the training and validation rows.', [
        ('    scaling = {c: (train[c].mean(), train[c].std()) for c in columns}\n',
         '    seen = pd.concat([train, validation])\n    scaling = {c: (seen[c].mean(), seen[c].std()) for c in columns}\n'),
        NO_TRAINING]),
    ('bike_sharing', 'std_in_place'): ('Wrong on purpose: scales the frames it was given.', [
        ('        part = part.copy()\n', ''), NO_TRAINING]),
    ('bike_sharing', 'arrays_leak'): ('Wrong on purpose: the target columns among the inputs.', [
        ('    return frame[FEATURES].to_numpy(float).T, frame[[target]].to_numpy(float).T\n',
         '    return frame[FEATURES + ["casual", "registered"]].to_numpy(float).T, frame[[target]].to_numpy(float).T\n'),
        NO_TRAINING]),
    ('bike_sharing', 'arrays_rows'): ('Wrong on purpose: one sample per row.', [
        ('    return frame[FEATURES].to_numpy(float).T, frame[[target]].to_numpy(float).T\n',
         '    return frame[FEATURES].to_numpy(float), frame[[target]].to_numpy(float)\n'),
        NO_TRAINING]),
}


_written: list[Path] = []


def submission(assignment: str, stem: str) -> Path:
    """The file of a corpus submission: as shipped, or (a wrong one) its solution with the edits applied."""
    if (assignment, stem) not in EDITS:
        return SUBMISSIONS / assignment / f"{stem}.py"
    header, edits = EDITS[(assignment, stem)]
    text = (SUBMISSIONS / assignment / "solution.py").read_text().split("\n", 1)[1]
    for old, new in edits:
        if text.count(old) != 1:
            raise AssertionError(f"{assignment}/{stem}: this edit no longer matches solution.py once: {old!r}")
        text = text.replace(old, new, 1)
    if not _written:
        _written.append(Path(tempfile.mkdtemp(prefix="nncourse-corpus-")))
        atexit.register(shutil.rmtree, _written[0], True)
    path = _written[0] / assignment / f"{stem}.py"
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"# {header}\n{text}")
    return path
