# Hostile: tries to replace the grader's checks, then submits the stub.
try:
    import nncourse.autograder as autograder
    autograder.check = lambda *args, **kwargs: None
except Exception as err:
    print(err)
import sys
import types
fake = types.ModuleType("autograder")
fake.check = lambda *args, **kwargs: None
sys.modules["autograder"] = fake


class Dense:
    def __init__(self, n_inputs, n_neurons):
        raise NotImplementedError()


class Network:
    def __init__(self, layers):
        raise NotImplementedError()
