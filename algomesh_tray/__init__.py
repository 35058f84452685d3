"""AlgoMesh Tray: desktop notifications, a trade log and a trades window for the AlgoMesh engine."""

__all__ = ["__version__"]

__version__ = "0.1.0"
