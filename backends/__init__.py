"""Emitters from the IR to orchestrator documents, one module per target."""
