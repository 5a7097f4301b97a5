"""Static analysis of flow files into the typed DAG IR (never imports them)."""

from flowc.transpile.analyzer import Analysis, analyze_file, analyze_source, load_flow
from flowc.transpile.ir import Config, Decorator, Flow, Parameter, ParamType, Span, Step, StepKind, Switch
from flowc.transpile.problems import RULES, FlowError, Problem, Severity

__all__ = [
    "RULES",
    "Analysis",
    "Config",
    "Decorator",
    "Flow",
    "FlowError",
    "ParamType",
    "Parameter",
    "Problem",
    "Severity",
    "Span",
    "Step",
    "StepKind",
    "Switch",
    "analyze_file",
    "analyze_source",
    "load_flow",
]
