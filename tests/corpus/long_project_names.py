"""Long names: a long project, a long class name and long step names (Argo caps object
names at 63 characters, Step Functions state names at 80)."""

from metaflow import FlowSpec, project, step


@project(name="customer_lifetime_value_forecasting")
class CustomerLifetimeValuePredictionTrainingAndEvaluationFlow(FlowSpec):
    """Every name here is longer than it needs to be."""

    @step
    def start(self):
        self.next(self.compute_customer_lifetime_value_features_for_every_active_market)

    @step
    def compute_customer_lifetime_value_features_for_every_active_market(self):
        self.markets = ["no", "se", "dk"]
        self.next(self.train_customer_lifetime_value_model_for_a_single_market, foreach="markets")

    @step
    def train_customer_lifetime_value_model_for_a_single_market(self):
        self.market = self.input
        self.next(self.evaluate_all_customer_lifetime_value_models_together)

    @step
    def evaluate_all_customer_lifetime_value_models_together(self, inputs):
        self.markets_done = sorted(i.market for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        print("markets:", self.markets_done)


if __name__ == "__main__":
    CustomerLifetimeValuePredictionTrainingAndEvaluationFlow()
