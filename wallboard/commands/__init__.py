"""One module per `wallboard` sub-command, each with `add_parser` and `run`."""
