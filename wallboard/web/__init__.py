"""The NiceGUI app: pages, the board component, JSON routes."""
