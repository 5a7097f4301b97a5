"""Training-pipeline shape: a multi-step foreach (cross-validation) inside one branch,
a plain chain in the other, joined at the end with merge_artifacts(include=...)."""

import logging
import random

from metaflow import FlowSpec, Parameter, card, current, environment, project, resources, step

FOLDS = 4
EPOCHS = 3


def split_indices(count, folds, seed):
    """(fold, (train, test)) pairs over range(count)."""
    order = list(range(count))
    random.Random(seed).shuffle(order)
    size = count // folds
    result = []
    for fold in range(folds):
        test = order[fold * size : (fold + 1) * size]
        train = [i for i in order if i not in test]
        result.append((fold, (train, test)))
    return result


class CrossValidationMixin:
    """Helpers shared by training flows (no steps)."""

    def load_dataset(self):
        """A small deterministic dataset: (x, label) pairs."""
        return [(i, i % 3) for i in range(24)]

    def _fit(self, rows):
        """The majority label of the rows."""
        labels = [label for _, label in rows]
        return max(set(labels), key=labels.count)


@project(name="corpus_training")
class CrossValidationFlow(FlowSpec, CrossValidationMixin):
    """Cross-validate a trivial model and train the final one in parallel."""

    accuracy_threshold = Parameter(
        "accuracy-threshold",
        help="Minimum cross-validation accuracy to register the model.",
        default=0.2,
    )

    @card
    @environment(vars={"TRAINING_MODE": "development"})
    @step
    def start(self):
        """Load data; fan out to cross-validation and final training."""
        self.data = self.load_dataset()
        self.run_label = current.run_id
        self.training_parameters = {"epochs": EPOCHS}
        logging.info("loaded %d rows", len(self.data))
        self.next(self.cross_validation, self.transform)

    @step
    def cross_validation(self):
        """One foreach task per fold."""
        self.folds = split_indices(len(self.data), FOLDS, seed=7)
        self.next(self.transform_fold, foreach="folds")

    @step
    def transform_fold(self):
        """Unpack the fold's indices."""
        self.fold, (self.train_indices, self.test_indices) = self.input
        self.next(self.train_fold)

    @card
    @resources(memory=4096)
    @step
    def train_fold(self):
        """Fit on the fold's training rows."""
        self.model = self._fit([self.data[i] for i in self.train_indices])
        self.next(self.evaluate_fold)

    @card
    @step
    def evaluate_fold(self):
        """Score on the fold's test rows."""
        test = [self.data[i] for i in self.test_indices]
        self.accuracy = sum(1 for _, label in test if label == self.model) / len(test)
        self.next(self.evaluate_model)

    @card
    @step
    def evaluate_model(self, inputs):
        """Average the folds."""
        self.merge_artifacts(inputs, include=["run_label", "training_parameters"])
        scores = [i.accuracy for i in inputs]
        self.accuracy = sum(scores) / len(scores)
        self.next(self.register_model)

    @card
    @step
    def transform(self):
        """Prepare the whole dataset."""
        self.rows = list(self.data)
        self.next(self.train_model)

    @card
    @resources(memory=4096)
    @step
    def train_model(self):
        """Fit the final model on everything."""
        self.model = self._fit(self.rows)
        self.next(self.register_model)

    @step
    def register_model(self, inputs):
        """Register when cross-validation was good enough."""
        self.merge_artifacts(inputs)
        self.registered = self.accuracy >= self.accuracy_threshold
        self.next(self.end)

    @step
    def end(self):
        print(f"model={self.model} accuracy={self.accuracy:.3f} registered={self.registered}")


if __name__ == "__main__":
    CrossValidationFlow()
