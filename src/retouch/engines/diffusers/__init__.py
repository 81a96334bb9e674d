"""Open-weight generative edit models run locally through Hugging Face diffusers (the ``gpu`` extra).

Importing this package does not import torch: the family adapters (which do) are loaded when an engine is built.
"""

from .engine import DiffusersEngine

__all__ = ["DiffusersEngine"]
