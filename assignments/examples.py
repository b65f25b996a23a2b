"""The typical mistakes `nncourse demo` hands in, one wrong submission per assignment.

For each assignment: answer cell -> either edits of its solution, as (old, new) pairs (each ``old``
occurs once in the solution), or, for answers typed by hand, the whole wrong answer.
"""

MISTAKES = {
    "gradients": {
        "answer_example1": [("w1 - eta * dweights[0]", "w1 + eta * dweights[0]  # the slides' sign slip")],
        "answer_example2": [("2 / 3 * (yh - y)", "2 * (yh - y)  # forgot the mean's 1/3")],
        "answer_example3": [("dL_du1 = w[7] * dL_dyhat + w[8] * dL_dzhat",
                             "dL_du1 = w[7] * dL_dyhat  # only the path through yhat")],
        "answer_neuron_gradient": [("dL_dyhat = 2 * (yhat - y)", "dL_dyhat = yhat - y  # forgot the 2")],
        "answer_batch_gradient": [("2 * (yhat - y) / X.shape[1]",
                                   "2 * (yhat - y)  # forgot to divide by the batch size (the mean)")],
        "answer_two_layer_gradients": [("db1 = np.sum(dH, axis=1, keepdims=True)",
                                        "db1 = dH  # not summed over the batch")],
        "answer_gradient_descent_step": [("return w - learning_rate * dw, b - learning_rate * db",
                                          "return w + learning_rate * dw, b + learning_rate * db  # uphill")],
    },
    "layers": {
        "answer_dense": [("self.dbiases = np.sum(dvalues, axis=1, keepdims=True)",
                          "self.dbiases = np.mean(dvalues, axis=1, keepdims=True)  # averaged instead of summed")],
        "answer_network": [("grad = layer.backward_pass(grad)",
                            "layer.backward_pass(grad)  # passes the same d-values to every layer")],
    },
    "activations": {
        "answer_relu": [("dvalues * (self.inputs > 0)", "dvalues * (dvalues > 0)  # mask from the d-values")],
        "answer_sigmoid": [("self.dinputs = dvalues * self.outputs * (1 - self.outputs)",
                            "self.dinputs = self.outputs * (1 - self.outputs)  # forgot the d-values")],
        "answer_softmax": [("exps = np.exp(batch_values - np.max(batch_values, axis=0, keepdims=True))",
                            "exps = np.exp(batch_values - np.max(batch_values, axis=1, keepdims=True))")],
        "answer_cce": [("-self.targets / self.predictions / self.predictions.shape[1]",
                        "-self.targets / self.predictions  # not divided by the batch size")],
    },
    "minibatch": {
        "answer_mini_batches": [("np.random.default_rng(seed).permutation(inputs.shape[1])",
                                 "np.arange(inputs.shape[1])  # never shuffled")],
        "answer_sgd": [('if not hasattr(layer, "weight_velocity"):', "if True:  # velocity reset every step")],
        "answer_adam": [("m_hat = m / (1 - self.beta1 ** t)", "m_hat = m  # no bias correction"),
                        ("v_hat = v / (1 - self.beta2 ** t)", "v_hat = v")],
    },
    "bike_sharing": {
        "answer_split_by_date": [('    days = data["dteday"].dt.normalize()\n',
                                  "    # counts rows, not days (but some hours are missing)\n"
                                  "    return (data.iloc[:-(test_days + validation_days) * 24],\n"
                                  "            data.iloc[-(test_days + validation_days) * 24:-test_days * 24],\n"
                                  "            data.iloc[-test_days * 24:])\n")],
        "answer_standardise": [("(train[column].mean(), train[column].std())",
                                "(pd.concat([train, validation, test])[column].mean(),\n"
                                "                       pd.concat([train, validation, test])[column].std())"
                                "  # leaks the held-out days")],
        "answer_train": [("Adam(learning_rate=0.005)", "Adam(learning_rate=0.0001)"),
                         ("epochs=20", "epochs=1  # far too little training")],
    },
}
