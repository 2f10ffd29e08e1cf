"""Real-time call-centre wallboard for Voicenter."""

__all__ = ["__version__"]

__version__ = "0.1.0"
