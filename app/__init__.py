"""Neuron Playground: one neuron, activations, composition and training, live in the browser."""

__version__ = "0.1.0"
